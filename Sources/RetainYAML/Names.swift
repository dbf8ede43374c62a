import Foundation

/// A string in double quotes, with quotes, backslashes and control characters escaped: how
/// messages show names and found values (`unknown arm "banana"`).
public func quotedName(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 { out += String(format: "\\u{%02X}", c.value) } else { out.unicodeScalars.append(c) }
        }
    }
    return out + "\""
}

/// Levenshtein distance, for "did you mean" suggestions.
public enum EditDistance {
    /// The number of single-scalar insertions, deletions and substitutions turning `a` into `b`.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate nearest to `word` if it is within `maxDistance` edits (ties: the earlier
    /// candidate); nil otherwise or when `word` is itself a candidate.
    public static func suggestion(for word: String, among candidates: [String], maxDistance: Int = 2) -> String? {
        var best: (String, Int)?
        for candidate in candidates where candidate != word {
            let d = distance(word, candidate)
            if d <= maxDistance, d < (best?.1 ?? Int.max) { best = (candidate, d) }
        }
        return best?.0
    }
}
