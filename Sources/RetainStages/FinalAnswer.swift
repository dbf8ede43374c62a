import Foundation

/// Finds the final answer of a response from the response text alone. Judges that compare answers
/// (`ConsensusJudge`) use one; it never sees the right answer (a judge fed by that is a verifier).
public protocol FinalAnswerExtractor: Sendable {
    /// Names the extraction rule; part of the identifier of every judge that uses it.
    var identifier: String { get }
    /// The answer in canonical form (equal strings are the same answer), or nil when there is none.
    func answer(in response: String) -> String?
}

/// Extraction that knows nothing of the task, for environments that supply no better rule:
/// 1. the text after the last "answer:" or "answer is" (case-insensitive), up to the end of its
///    line or sentence, if that leaves any;
/// 2. else the last number in the response;
/// 3. else the last non-empty line.
/// The result is normalised: lower-cased, whitespace runs collapsed, surrounding punctuation,
/// quotes and markdown stripped, and a number written canonically ("042" and "42.0" are "42").
public struct GenericAnswerExtractor: FinalAnswerExtractor {
    public init() {}
    public var identifier: String { "generic-answer/v1" }

    public func answer(in response: String) -> String? {
        let text = response.lowercased()
        let marker = ["answer:", "answer is"].compactMap { text.range(of: $0, options: .backwards) }.max { $0.lowerBound < $1.lowerBound }
        if let marker, let a = Self.normalise(Self.firstSentence(text[marker.upperBound...])) { return a }
        if let n = Self.lastNumber(text) { return n }
        return text.split(whereSeparator: \.isNewline).reversed().lazy.compactMap { Self.normalise(Substring($0)) }.first
    }

    /// Up to the first line break or sentence end (". ", "! ", "? "; "3.5" stays whole).
    static func firstSentence(_ s: Substring) -> Substring {
        var end = s.endIndex
        if let nl = s.firstIndex(where: \.isNewline) { end = nl }
        for stop in [". ", "! ", "? "] {
            if let r = s.range(of: stop), r.lowerBound < end { end = r.lowerBound }
        }
        return s[..<end]
    }

    static let edgeCharacters = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ".,;:!?\"'`*_()[]{}"))

    /// The normalised text, or nil when nothing is left.
    static func normalise(_ s: Substring) -> String? {
        let words = s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let trimmed = words.trimmingCharacters(in: edgeCharacters)
        guard !trimmed.isEmpty else { return nil }
        return canonicalNumber(trimmed) ?? trimmed
    }

    /// An integer or decimal in canonical form, when `s` is one entirely.
    static func canonicalNumber(_ s: String) -> String? {
        guard s.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || $0 == "." || $0 == "-" }),
              let v = Double(s), v.isFinite else { return nil }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }

    /// The last number (`-?[0-9]+(\.[0-9]+)?`, a minus only when it does not follow a letter or digit).
    static func lastNumber(_ text: String) -> String? {
        let c = Array(text.unicodeScalars)
        func digit(_ i: Int) -> Bool { i >= 0 && i < c.count && ("0"..."9").contains(c[i]) }
        var i = c.count - 1
        while i >= 0, !digit(i) { i -= 1 }
        guard i >= 0 else { return nil }
        let end = i + 1
        while digit(i - 1) { i -= 1 }
        if i >= 2, c[i - 1] == ".", digit(i - 2) {   // the fraction of a decimal: take its whole part too
            i -= 2
            while digit(i - 1) { i -= 1 }
        }
        if i >= 1, c[i - 1] == "-", !(i >= 2 && (CharacterSet.alphanumerics.contains(c[i - 2]))) { i -= 1 }
        return canonicalNumber(String(String.UnicodeScalarView(c[i..<end])))
    }
}
