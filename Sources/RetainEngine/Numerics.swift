import Foundation

/// What the engine's results depend on besides their inputs; part of every cache and stage key
/// whose result the engine computes.
///
/// On the portable GEMM (the default) every kernel sums in an order fixed by the shapes alone,
/// and no libm function whose variant the CPU picks is used, so results are the same bits on every
/// machine and at every thread count: the key names only the numerics version, and a store made
/// with 2 threads is reused with 8. On oneDNN or OpenBLAS the results depend on the CPU's kernels
/// and on the thread count (row blocks), so both are part of the key.
public enum EngineNumerics {
    /// Bump when a kernel changes its order of operations (results change, so caches must not be reused).
    public static let portableVersion = 1

    public static var key: String {
        let backend = GemmBackend.current
        if backend.isMachineIndependent { return "numerics=portable/\(portableVersion)" }
        return "numerics=\(backend.rawValue)/threads=\(EngineThreads.count)/cpu=\(cpuModel)"
    }

    /// The CPU model name (Linux /proc/cpuinfo), or the architecture where it is not available.
    public static let cpuModel: String = {
        if let name = cpuInfoValue("model name") { return name }
        #if arch(x86_64)
        return "x86_64"
        #else
        return "arm64"
        #endif
    }()
}

/// The value of the first `key : value` line of Linux's /proc/cpuinfo (nil elsewhere).
func cpuInfoValue(_ key: String) -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
          let colon = line.firstIndex(of: ":") else { return nil }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
}
