// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h in the multiarch include dir).
#if __has_include(<x86_64-linux-gnu/cblas.h>)
#include <x86_64-linux-gnu/cblas.h>
#elif __has_include(<aarch64-linux-gnu/cblas.h>)
#include <aarch64-linux-gnu/cblas.h>
#else
#include <cblas.h>
#endif
