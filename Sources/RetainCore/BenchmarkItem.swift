/// Which ability a benchmark measures: general ability (what forgetting erodes) or the domain the
/// user fine-tunes for.
public enum BenchmarkKind: String, Codable, Hashable, Sendable, CaseIterable {
    case general, domain
}

/// A multiple-choice item scored by log-likelihood: the model sees `question` as the user turn and
/// each of `choices` as a candidate assistant reply; the most likely choice is its answer.
public struct MultipleChoiceItem: Codable, Hashable, Sendable {
    public var id: String
    public var family: String
    public var kind: BenchmarkKind
    public var question: String
    /// Four distinct candidate replies.
    public var choices: [String]
    /// Index of the correct reply in `choices`.
    public var answerIndex: Int

    public init(id: String, family: String, kind: BenchmarkKind, question: String, choices: [String], answerIndex: Int) {
        self.id = id
        self.family = family
        self.kind = kind
        self.question = question
        self.choices = choices
        self.answerIndex = answerIndex
    }
}

/// A generative item scored by exact match after answer extraction.
public struct GenerativeItem: Codable, Hashable, Sendable {
    public var id: String
    public var family: String
    public var kind: BenchmarkKind
    public var question: String
    /// The canonical short answer (e.g. "42", "Velora", "yes", "3, 5, 9").
    public var answer: String

    public init(id: String, family: String, kind: BenchmarkKind, question: String, answer: String) {
        self.id = id
        self.family = family
        self.kind = kind
        self.question = question
        self.answer = answer
    }
}
