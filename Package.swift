// swift-tools-version:6.0
import PackageDescription

// Pure-Swift SIMD loops need an explicit CPU target, otherwise FMA lowers to libm calls.
// haswell (AVX2 + FMA) runs on every machine this project targets; OpenBLAS picks its own
// kernels (AVX-512 where present) at run time.
// The AVX-512 GEMM module is compiled for skylake-avx512 and called only where the CPU has it.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"])]
#else
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
let avx512Flags: [SwiftSetting] = cpuFlags
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
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libdnnl-dev, libsqlite3-dev).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),

        // exp, log, pow, sin, cos with the same bits on every machine (libm's vary by CPU).
        .target(name: "RetainPortableMath", swiftSettings: cpuFlags),
        // The GEMM whose bits depend only on the shapes: generic over the vector width, 8 lanes here,
        // 16 lanes in RetainGemmAVX512 (the same source, compiled for AVX-512).
        .target(name: "RetainGemm", swiftSettings: cpuFlags),
        .target(name: "RetainGemmAVX512", dependencies: ["RetainGemm"], swiftSettings: avx512Flags),
        // The native Llama-architecture engine: the only target that touches BLAS.
        .target(name: "RetainEngine", dependencies: ["CBLAS", "CDNNL", "RetainPortableMath", "RetainGemm", "RetainGemmAVX512"],
                swiftSettings: cpuFlags),
        // Byte-level BPE and chat templates.
        .target(name: "RetainTokenizer", swiftSettings: cpuFlags),
        // Value types shared across the harness (messages, conversations, benchmark items, seeded RNG).
        .target(name: "RetainCore", swiftSettings: cpuFlags),
        // The built-in synthetic world: knowledge bases, task families, corpus, SFT sets, benchmarks.
        .target(name: "RetainWorld", dependencies: ["RetainCore", "RetainPortableMath"], swiftSettings: cpuFlags),

        // Text-level access to the embedded engine: packing, training loops, EmbeddedLM.
        .target(name: "RetainBackends", dependencies: ["RetainCore", "RetainEngine", "RetainTokenizer"], swiftSettings: cpuFlags),

        // The method and its baselines as typed transforms over text-level models (no I/O, no store).
        .target(name: "RetainStages", dependencies: ["RetainCore"], swiftSettings: cpuFlags),
        // SQLite: schema, migrations, parameterised queries. The only target that touches SQLite.
        .target(name: "RetainStore", dependencies: ["RetainCore", "CSQLite"], swiftSettings: cpuFlags),
        // Typed, positioned reads from YAML documents, shared by the spec and budget parsers.
        .target(name: "RetainYAML", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: cpuFlags),
        // The YAML experiment spec: types and a parser whose errors name file:line and field.
        .target(name: "RetainSpec", dependencies: ["RetainCore", "RetainYAML", .product(name: "Yams", package: "Yams")],
                swiftSettings: cpuFlags),
        // Forgetting metrics and paired statistics: pure functions over per-item records.
        .target(name: "RetainAnalysis", dependencies: ["RetainCore"], swiftSettings: cpuFlags),
        // Spec -> graph of stage runs, content-hash keyed, resumable, over the store.
        .target(name: "RetainOrchestrator", dependencies: ["RetainCore", "RetainStages", "RetainStore", "RetainSpec", "RetainAnalysis"],
                swiftSettings: cpuFlags),
        // Analysis in, Markdown and self-contained HTML out; no I/O.
        .target(name: "RetainReport", dependencies: ["RetainCore", "RetainAnalysis"], swiftSettings: cpuFlags),
        // Forgetting budgets (YAML) checked against an analysis, for regression tests of fine-tunes.
        .target(name: "RetainGate", dependencies: ["RetainCore", "RetainAnalysis", "RetainYAML", .product(name: "Yams", package: "Yams")],
                swiftSettings: cpuFlags),
        // Fakes for tests: a scripted LanguageModel and Trainer.
        .target(name: "RetainTestSupport", dependencies: ["RetainCore"], swiftSettings: cpuFlags),

        // The built-in world's vendor: trains and caches its tokenizer, base and released models.
        // Dataset files (OpenAI messages, Alpaca, ShareGPT) with positioned errors. Parses untrusted
        // input, so it builds with the default -O (bounds checks kept), not -Ounchecked.
        .target(name: "RetainDatasets", dependencies: ["RetainCore"]),

        .target(name: "RetainVendor", dependencies: ["RetainCore", "RetainWorld", "RetainBackends", "RetainEngine", "RetainTokenizer", "RetainStages", "RetainOrchestrator"],
                swiftSettings: cpuFlags),

        .executableTarget(
            name: "retain",
            dependencies: [
                "RetainEngine", "RetainTokenizer", "RetainBackends", "RetainCore", "RetainWorld", "RetainVendor",
                "RetainStages", "RetainStore", "RetainSpec", "RetainAnalysis", "RetainOrchestrator",
                "RetainReport", "RetainGate", "RetainDatasets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags),

        .testTarget(name: "RetainEngineTests", dependencies: ["RetainEngine", "RetainPortableMath", "RetainGemm"],
                    resources: [.copy("Fixtures")], swiftSettings: cpuFlags),
        .testTarget(name: "RetainTokenizerTests", dependencies: ["RetainTokenizer"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainBackendsTests", dependencies: ["RetainBackends"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainWorldTests", dependencies: ["RetainWorld", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainVendorTests", dependencies: ["RetainVendor", "RetainWorld", "RetainBackends", "RetainEngine", "RetainTokenizer", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainStagesTests", dependencies: ["RetainStages", "RetainCore", "RetainTestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainStoreTests", dependencies: ["RetainStore", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainSpecTests", dependencies: ["RetainSpec", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainAnalysisTests", dependencies: ["RetainAnalysis", "RetainCore"], exclude: ["Fixtures"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainReportTests", dependencies: ["RetainReport", "RetainAnalysis", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainGateTests", dependencies: ["RetainGate", "RetainAnalysis", "RetainCore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainDatasetsTests", dependencies: ["RetainDatasets", "RetainCore", "RetainWorld"]),
        // End to end through the built `retain` binary.
        .testTarget(name: "RetainCLITests", dependencies: ["RetainStore"], swiftSettings: cpuFlags),
        .testTarget(name: "RetainOrchestratorTests", dependencies: ["RetainOrchestrator", "RetainAnalysis", "RetainStages", "RetainStore", "RetainSpec", "RetainCore", "RetainTestSupport"], swiftSettings: cpuFlags),
    ],
    swiftLanguageModes: [.v5]
)
