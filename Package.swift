// swift-tools-version:6.0
import PackageDescription

// Pure-Swift SIMD loops need an explicit CPU target, otherwise FMA lowers to libm calls.
// haswell (AVX2 + FMA) runs on every machine this project targets; OpenBLAS picks its own
// kernels (AVX-512 where present) at run time.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]
#else
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
#endif

let package = Package(
    name: "Retain",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "retain", targets: ["retain"]),
        .library(name: "RetainEngine", targets: ["RetainEngine"]),
        .library(name: "RetainTokenizer", targets: ["RetainTokenizer"]),
        .library(name: "RetainCore", targets: ["RetainCore"]),
        .library(name: "RetainWorld", targets: ["RetainWorld"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libdnnl-dev, libsqlite3-dev).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),

        // The native Llama-architecture engine: the only target that touches BLAS.
        .target(name: "RetainEngine", dependencies: ["CBLAS", "CDNNL"], swiftSettings: cpuFlags),
        // Byte-level BPE and chat templates.
        .target(name: "RetainTokenizer", swiftSettings: cpuFlags),
        // Value types shared across the harness (messages, conversations, benchmark items, seeded RNG).
        .target(name: "RetainCore", swiftSettings: cpuFlags),
        // The built-in synthetic world: knowledge bases, task families, corpus, SFT sets, benchmarks.
        .target(name: "RetainWorld", dependencies: ["RetainCore"], swiftSettings: cpuFlags),

        // Text-level access to the embedded engine: packing, training loops, EmbeddedLM.
        .target(name: "RetainBackends", dependencies: ["RetainEngine", "RetainTokenizer"], swiftSettings: cpuFlags),

        // The built-in world's vendor: trains and caches its tokenizer, base and released models.
        .target(name: "RetainVendor", dependencies: ["RetainCore", "RetainWorld", "RetainBackends", "RetainEngine", "RetainTokenizer"],
                swiftSettings: cpuFlags),

        .executableTarget(
            name: "retain",
            dependencies: [
                "RetainEngine", "RetainTokenizer", "RetainBackends", "RetainCore", "RetainWorld", "RetainVendor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags),

        .testTarget(name: "RetainEngineTests", dependencies: ["RetainEngine"],
                    resources: [.copy("Fixtures")], swiftSettings: cpuFlags),
        .testTarget(name: "RetainTokenizerTests", dependencies: ["RetainTokenizer"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainBackendsTests", dependencies: ["RetainBackends"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainWorldTests", dependencies: ["RetainWorld", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainVendorTests", dependencies: ["RetainVendor", "RetainWorld", "RetainBackends", "RetainEngine", "RetainTokenizer", "RetainCore"], swiftSettings: cpuFlags),
    ],
    swiftLanguageModes: [.v5]
)
