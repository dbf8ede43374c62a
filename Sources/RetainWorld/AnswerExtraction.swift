import Foundation

/// The type of a family's short answer; decides how an answer is found in a reply and compared.
public enum AnswerKind: Sendable, Hashable {
    /// A whole number ("42").
    case integer
    /// Numbers separated by ", " ("3, 5, 9"); order matters.
    case integerList
    /// An open-vocabulary word ("arolev", "VELORA", "t").
    case word(caseSensitive: Bool)
    /// One of a closed set of words (capitals, "yes"/"no", symptoms, ...), compared case-insensitively.
    case vocabulary([String])
}

/// Finding a short answer in a free-form reply.
///
/// **Flexible rule** (used by `isCorrect`): the *last* answer-like token in the text, where
/// answer-like depends on the kind:
/// - integer: the last number (`-?[0-9]+`);
/// - integerList: the last run of numbers joined only by commas and spaces;
/// - vocabulary: the last whole word that is in the family's vocabulary (case-insensitive);
/// - word: the last run of ASCII letters that is not a filler word of a response style
///   ("the", "answer", "is", "here", "sure", ...).
/// So "The answer is 42.", "42", "Answer: 42" and "Sure! Here it is: 42" all yield 42; a reply that
/// states the answer and then another candidate ("42, or maybe 41") yields the later one.
///
/// **Strict rule**: the whole reply (trimmed) must be exactly a given style's pattern around an
/// answer that parses completely as the kind (see `ResponseStyle.strictAnswer(in:)`).
public enum AnswerExtractor {
    /// Words that response styles and common chatty wrappers put around an open-vocabulary answer.
    public static let fillerWords: Set<String> = [
        "the", "answer", "is", "here", "it", "sure", "a", "an", "of", "word", "reversed", "backwards",
        "in", "uppercase", "capital", "capitals", "letters", "letter", "first", "clinical", "that",
        "this", "i", "think", "result", "final", "ok", "okay", "so", "be", "would", "will",
    ]

    enum Token: Equatable {
        case word(String)
        case number(String)
        case comma
        case other
    }

    /// Letters, numbers, commas; spaces dropped; anything else is a separator token.
    static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if isLetter(b) {
                var j = i
                while j < bytes.count, isLetter(bytes[j]) { j += 1 }
                out.append(.word(String(decoding: bytes[i..<j], as: UTF8.self)))
                i = j
            } else if isDigit(b) || (b == 45 && i + 1 < bytes.count && isDigit(bytes[i + 1]) && (i == 0 || !isAlnum(bytes[i - 1]))) {
                var j = i + 1
                while j < bytes.count, isDigit(bytes[j]) { j += 1 }
                out.append(.number(String(decoding: bytes[i..<j], as: UTF8.self)))
                i = j
            } else if b == 44 {
                out.append(.comma); i += 1
            } else if b == 32 {
                i += 1
            } else {
                out.append(.other); i += 1
            }
        }
        return out
    }

    /// The answer in `text` by the flexible rule, in canonical form; nil if there is none.
    public static func flexible(_ text: String, kind: AnswerKind) -> String? {
        let toks = tokens(text)
        switch kind {
        case .integer:
            for t in toks.reversed() { if case .number(let n) = t { return canonicalInteger(n) } }
            return nil
        case .integerList:
            guard let last = toks.lastIndex(where: { if case .number = $0 { return true } else { return false } }) else { return nil }
            var numbers: [String] = []
            var i = last
            while i >= 0 {
                guard case .number(let n) = toks[i] else { break }
                numbers.append(canonicalInteger(n) ?? n)
                if i >= 2, toks[i - 1] == .comma, case .number = toks[i - 2] { i -= 2 } else { break }
            }
            return numbers.reversed().joined(separator: ", ")
        case .vocabulary(let words):
            let lookup = Dictionary(words.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            for t in toks.reversed() {
                if case .word(let w) = t, let canonical = lookup[w.lowercased()] { return canonical }
            }
            return nil
        case .word:
            for t in toks.reversed() {
                if case .word(let w) = t, !fillerWords.contains(w.lowercased()) { return w }
            }
            return nil
        }
    }

    /// The last answer-like token of any kind, from the reply alone (for judges that compare
    /// replies and know neither the answer nor its kind): a number with the numbers joined to it by
    /// commas, canonical ("3, 5, 9", "42"), or a word that is not a filler word, as written; in a
    /// reply of filler words only, its last word (the element symbol "So" in "The answer is So.").
    /// So every response style's reply to the same answer gives the same string. nil if there is none.
    public static func lastAnswer(_ text: String) -> String? {
        var lastWord: String? = nil
        for t in tokens(text).reversed() {
            switch t {
            case .number: return flexible(text, kind: .integerList)
            case .word(let w):
                if !fillerWords.contains(w.lowercased()) { return w }
                if lastWord == nil { lastWord = w }
            default: continue
            }
        }
        return lastWord
    }

    /// `candidate` in canonical form if it is, entirely, a well-formed answer of `kind`.
    public static func exact(_ candidate: String, kind: AnswerKind) -> String? {
        let c = candidate.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .integer:
            return canonicalInteger(c)
        case .integerList:
            let parts = c.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = parts.compactMap(canonicalInteger)
            return numbers.count == parts.count && !numbers.isEmpty ? numbers.joined(separator: ", ") : nil
        case .vocabulary(let words):
            return words.first { $0.lowercased() == c.lowercased() }
        case .word:
            return !c.isEmpty && c.utf8.allSatisfy(isLetter) ? c : nil
        }
    }

    /// Whether two canonical answers of `kind` are the same answer.
    public static func same(_ a: String, _ b: String, kind: AnswerKind) -> Bool {
        switch kind {
        case .word(caseSensitive: true): return a == b
        default: return a.lowercased() == b.lowercased()
        }
    }

    static func canonicalInteger(_ s: String) -> String? {
        guard let v = Int(s) else { return nil }
        return String(v)
    }
}

private func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
private func isAlnum(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }
