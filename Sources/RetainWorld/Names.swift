import RetainCore

/// Made-up capitalised names from syllables ("Velora", "Tashkum"), unique across a whole world.
///
/// No name is a substring of another (compared case-insensitively), so a name can never be
/// mistaken for part of a longer one, in text or under BPE. The registry keeps every substring of
/// every accepted name in a set, so checking a candidate costs O(length²), not O(names).
public struct NameGenerator: Sendable {
    private static let onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
                                 "br", "dr", "gr", "kr", "tr", "sh", "th", "st"]
    private static let vowels = ["a", "e", "i", "o", "u", "ai", "ou"]
    private static let codas = ["", "", "", "n", "r", "l", "s", "m", "k", "sh"]

    private var rng: WorldRandom
    private var names: Set<String> = []
    private var substringsOfNames: Set<String> = []
    /// Every name accepted so far, in order.
    public private(set) var accepted: [String] = []

    public init(rng: WorldRandom) { self.rng = rng }

    /// Whether `name` could be added without clashing with an accepted name.
    public func isAvailable(_ name: String) -> Bool {
        let lower = name.lowercased()
        if substringsOfNames.contains(lower) { return false }   // equal to, or inside, a name
        for s in Self.substrings(of: lower) where names.contains(s) { return false }   // contains a name
        return true
    }

    /// Registers a name chosen elsewhere (fails if it clashes).
    @discardableResult
    public mutating func register(_ name: String) -> Bool {
        guard isAvailable(name) else { return false }
        let lower = name.lowercased()
        names.insert(lower)
        substringsOfNames.formUnion(Self.substrings(of: lower))
        accepted.append(name)
        return true
    }

    /// A fresh name of `syllables` syllables (2...4), optionally ending in one of `endings`
    /// (e.g. drug-like "-ex", "-ol"). Retries until the name is available.
    public mutating func next(syllables: ClosedRange<Int> = 2...3, endings: [String] = []) -> String {
        while true {
            let n = rng.int(in: syllables)
            var s = ""
            for i in 0..<n {
                s += rng.pick(Self.onsets) + rng.pick(Self.vowels)
                if i == n - 1 || rng.chance(0.3) { s += rng.pick(Self.codas) }
            }
            if !endings.isEmpty {
                // "Lira" + "itis" -> "Liritis", not "Liraitis".
                let ending = rng.pick(endings)
                if let e = ending.first, Self.isVowel(e) { while let l = s.last, Self.isVowel(l), s.count > 2 { s.removeLast() } }
                s += ending
            }
            guard s.count >= 4, s.count <= 12 else { continue }
            let name = s.prefix(1).uppercased() + s.dropFirst()
            if register(name) { return name }
        }
    }

    /// A lowercase made-up word for string tasks (reverse, uppercase, letters). Words are not
    /// registered: they are task material, not entities.
    public static func word(_ rng: inout WorldRandom, syllables: ClosedRange<Int> = 2...3) -> String {
        var s = ""
        let n = rng.int(in: syllables)
        for i in 0..<n {
            s += rng.pick(onsets) + rng.pick(vowels)
            if i == n - 1 && rng.chance(0.5) { s += rng.pick(codas) }
        }
        return s
    }

    private static func isVowel(_ c: Character) -> Bool { "aeiou".contains(c) }

    private static func substrings(of s: String) -> [String] {
        let chars = Array(s)
        var out: [String] = []
        out.reserveCapacity(chars.count * (chars.count + 1) / 2)
        for i in 0..<chars.count {
            for j in (i + 1)...chars.count { out.append(String(chars[i..<j])) }
        }
        return out
    }
}
