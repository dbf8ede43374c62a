import RetainCore

/// One concrete task: a family and the values of its slots (e.g. addition with a=3, b=5).
public struct TaskInstance: Codable, Hashable, Sendable {
    public var family: String
    public var fields: [String: String]

    public init(family: String, fields: [String: String]) {
        self.family = family
        self.fields = fields
    }

    public subscript(_ field: String) -> String? { fields[field] }

    /// A canonical text key ("addition|a=3|b=5", fields sorted), for held-out sets and logs.
    public var key: String {
        ([family] + fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }).joined(separator: "|")
    }
}

/// A kind of task: phrasings, an instance generator, the correct answer, a parser that recognises
/// an instruction as one of its instances, a verifier, and multiple-choice distractors.
///
/// Families are values built from a knowledge base (see `TaskCatalog`); the closures capture it.
public struct TaskFamily: Sendable {
    public typealias Fields = [String: String]

    /// Stable identifier ("addition", "capitalOf", ...).
    public let name: String
    public let kind: BenchmarkKind
    /// One line for humans.
    public let summary: String
    /// Every phrasing, at least four. Which of them a set uses is the set's choice.
    public let templates: [InstructionTemplate]
    public let answerKind: AnswerKind
    /// True when answers are knowledge-base facts: a benchmark can hold out only the question
    /// string (the fact is the knowledge being tested), not the instance. Generated families
    /// (arithmetic, strings, lists) hold out the instance itself.
    public let usesKnowledge: Bool
    /// True for yes/no and even/odd families: only two answers exist, so their multiple-choice
    /// items pad with two never-correct hedges ("maybe", "unknown") and chance is 1/2, not 1/4.
    public let isBinary: Bool

    let slots: [String: SlotKind]
    let generator: @Sendable (inout WorldRandom) -> Fields
    let validator: @Sendable (Fields) -> Bool
    let solver: @Sendable (Fields) -> String
    /// Candidate wrong answers, most plausible first; `distractors(for:rng:)` dedups and pads.
    let distractorPool: @Sendable (Fields, String, inout WorldRandom) -> [String]

    init(name: String, kind: BenchmarkKind, summary: String, templates: [String], slots: [String: SlotKind],
         answer: AnswerKind, usesKnowledge: Bool, isBinary: Bool = false,
         generate: @escaping @Sendable (inout WorldRandom) -> Fields,
         validate: @escaping @Sendable (Fields) -> Bool,
         solve: @escaping @Sendable (Fields) -> String,
         distractors: @escaping @Sendable (Fields, String, inout WorldRandom) -> [String]) {
        precondition(templates.count >= 4, "family \(name) needs at least four phrasings")
        self.name = name
        self.kind = kind
        self.summary = summary
        self.templates = templates.map(InstructionTemplate.init)
        for t in self.templates {
            precondition(Set(t.slotNames) == Set(slots.keys), "template \"\(t.text)\" of \(name) must use every slot")
        }
        self.slots = slots
        self.answerKind = answer
        self.usesKnowledge = usesKnowledge
        self.isBinary = isBinary
        self.generator = generate
        self.validator = validate
        self.solver = solve
        self.distractorPool = distractors
    }

    /// A random valid instance.
    public func generate(_ rng: inout WorldRandom) -> TaskInstance {
        TaskInstance(family: name, fields: generator(&rng))
    }

    /// The instruction text of `instance` in phrasing `template`.
    public func render(_ instance: TaskInstance, template: Int) -> String {
        templates[template].render(instance.fields)
    }

    /// The instance and phrasing index if `instruction` is one of this family's phrasings with
    /// valid fields (the country exists, the numbers are in range, ...); nil otherwise.
    public func parse(_ instruction: String) -> (instance: TaskInstance, template: Int)? {
        for (i, t) in templates.enumerated() {
            if let fields = t.match(instruction, slots: slots), validator(fields) {
                return (TaskInstance(family: name, fields: fields), i)
            }
        }
        return nil
    }

    /// Whether the fields form a valid instance of this family.
    public func isValid(_ instance: TaskInstance) -> Bool {
        instance.family == name && Set(instance.fields.keys) == Set(slots.keys) && validator(instance.fields)
    }

    /// The canonical short answer.
    public func answer(for instance: TaskInstance) -> String { solver(instance.fields) }

    /// Whether `response` answers `instance` correctly, finding the answer by the flexible rule
    /// (`AnswerExtractor.flexible`): the last answer-like token anywhere in the reply.
    public func isCorrect(_ instance: TaskInstance, response: String) -> Bool {
        guard let found = AnswerExtractor.flexible(response, kind: answerKind) else { return false }
        return AnswerExtractor.same(found, answer(for: instance), kind: answerKind)
    }

    /// Whether `response` is exactly `style`'s reply around the correct answer (the strict rule).
    public func isCorrect(_ instance: TaskInstance, response: String, strictStyle style: ResponseStyle) -> Bool {
        guard let inner = style.strictAnswer(in: response),
              let found = AnswerExtractor.exact(inner, kind: answerKind) else { return false }
        return AnswerExtractor.same(found, answer(for: instance), kind: answerKind)
    }

    /// Three distinct wrong answers of the answer's type, for multiple choice.
    public func distractors(for instance: TaskInstance, rng: inout WorldRandom) -> [String] {
        let answer = self.answer(for: instance)
        var seen: Set<String> = [normalise(answer)]
        var out: [String] = []
        for c in distractorPool(instance.fields, answer, &rng) where out.count < 3 {
            if seen.insert(normalise(c)).inserted { out.append(c) }
        }
        precondition(out.count == 3, "family \(name) produced fewer than three distractors for \(instance.key)")
        return out
    }

    private func normalise(_ s: String) -> String {
        if case .word(caseSensitive: true) = answerKind { return s }
        return s.lowercased()
    }
}
