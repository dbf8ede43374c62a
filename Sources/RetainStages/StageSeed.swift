import RetainCore

/// Per-request seeds derived from a stage's seed and the request's coordinates, so a request's
/// sample never depends on batch composition, request order or how many other requests exist
/// (asking for 1 response per instruction gives the first of the 3 you get when asking for 3).
public enum StageSeed {
    public static func derive(_ seed: UInt64, _ label: String, _ coordinates: Int...) -> UInt64 {
        var text = "\(seed)|\(label)"
        for c in coordinates { text += "|\(c)" }
        return splitMix(ContentHash.fnv1a64(text))
    }

    /// SplitMix64 finaliser: spreads FNV's weaker low bits over the whole word.
    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
