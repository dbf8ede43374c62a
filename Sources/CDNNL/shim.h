// oneDNN's row-major sgemm (Debian: libdnnl-dev), and the OpenMP call that keeps it on the
// calling thread (oneDNN is built against libgomp).
#include <oneapi/dnnl/dnnl.h>
void omp_set_num_threads(int num_threads);
