import Foundation

/// Stable, dependency-free content hashes (FNV-1a, 64 bit). Not cryptographic: used to key
/// configurations and cached stage outputs, where a collision is astronomically unlikely and
/// harmless to detect by re-running.
public enum ContentHash {
    public static func fnv1a64<Bytes: Sequence>(bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    public static func fnv1a64(_ string: String) -> UInt64 { fnv1a64(bytes: string.utf8) }

    /// 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// FNV-1a 64 of the canonical JSON encoding of `value` (sorted keys, no escaped slashes), as
    /// 16 hex digits. Two values that encode to the same JSON get the same hash on every platform.
    public static func of<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return hex(fnv1a64(bytes: try encoder.encode(value)))
    }
}
