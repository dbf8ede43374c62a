import Foundation
import RetainEngine

/// The engine demo's tiny synthetic chat world: four kinds of questions with exact answers, each
/// asked in a few phrasings. Questions are built from templates whose `{a}`/`{b}` slots are
/// filled in, and the same templates parse text back, so model-written questions can be checked.
enum DemoTask: String, CaseIterable, Codable {
    case add, reverse, uppercase, larger

    /// Phrasings of the question; slots are `{a}` and `{b}`.
    var templates: [String] {
        switch self {
        case .add: return ["What is {a} plus {b}?", "Add {a} and {b}.", "What is the sum of {a} and {b}?"]
        case .reverse: return ["Reverse the word {a}.", "Spell {a} backwards.", "What is {a} reversed?"]
        case .uppercase: return ["Uppercase the word {a}.", "Write {a} in capital letters."]
        case .larger: return ["Which is larger, {a} or {b}?", "Which number is bigger: {a} or {b}?"]
        }
    }

    /// Regex of one slot's value: a digit, a made-up lowercase word, or a two-digit number.
    fileprivate var slotPattern: String {
        switch self {
        case .add: return "([0-9])"
        case .reverse, .uppercase: return "([a-z]{2,12})"
        case .larger: return "([1-9][0-9])"
        }
    }

    /// The answer text (without "The answer is ...") for slot values `a`, `b`.
    func solve(_ a: String, _ b: String) -> String {
        switch self {
        case .add: return String(Int(a)! + Int(b)!)
        case .reverse: return String(a.reversed())
        case .uppercase: return a.uppercased()
        case .larger: return Int(a)! > Int(b)! ? a : b
        }
    }
}

/// One question with its reference answer.
struct DemoItem: Hashable {
    var task: DemoTask
    var a: String
    var b: String
    var question: String
    var answer: String

    static func answerText(_ core: String) -> String { "The answer is \(core)." }
}

/// Generates, and parses, items of the demo world. All randomness comes from the caller's generator.
enum DemoWorld {
    private static let onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"]
    private static let vowels = ["a", "e", "i", "o", "u"]

    /// A pronounceable made-up word of 2–3 consonant-vowel syllables ("kolu", "zapire").
    static func word(_ rng: inout SeededRandom) -> String {
        let syllables = 2 + Int(rng.next() % 2)
        return (0..<syllables).map { _ in onsets.randomElement(using: &rng)! + vowels.randomElement(using: &rng)! }.joined()
    }

    /// Random slot values for `task` (the two numbers of `larger` always differ).
    static func slots(_ task: DemoTask, _ rng: inout SeededRandom) -> (String, String) {
        switch task {
        case .add: return (String(rng.next() % 10), String(rng.next() % 10))
        case .reverse, .uppercase: return (word(&rng), "")
        case .larger:
            let a = 10 + Int(rng.next() % 90)
            var b = a
            while b == a { b = 10 + Int(rng.next() % 90) }
            return (String(a), String(b))
        }
    }

    static func item(_ task: DemoTask, template: String, a: String, b: String) -> DemoItem {
        let q = template.replacingOccurrences(of: "{a}", with: a).replacingOccurrences(of: "{b}", with: b)
        return DemoItem(task: task, a: a, b: b, question: q, answer: DemoItem.answerText(task.solve(a, b)))
    }

    /// A random item: uniform over kinds, then phrasings, then slot values.
    static func randomItem(_ rng: inout SeededRandom) -> DemoItem {
        let task = DemoTask.allCases.randomElement(using: &rng)!
        let template = task.templates.randomElement(using: &rng)!
        let (a, b) = slots(task, &rng)
        return item(task, template: template, a: a, b: b)
    }

    /// Three wrong answers of the same kind as `item`, distinct from each other and the truth.
    static func distractors(for item: DemoItem, _ rng: inout SeededRandom) -> [String] {
        let truth = item.task.solve(item.a, item.b)
        var pool: [String] = []
        // Near misses first (the easy mistakes a half-trained model would make), then random fill.
        switch item.task {
        case .add:
            let s = Int(truth)!
            pool = [s + 1, s - 1, s + 2, s - 2, s + 10].filter { $0 >= 0 }.map(String.init)
        case .reverse:
            // Surface forms alone must not give the answer away, so besides the easy mistakes
            // (the word unreversed, its syllables reversed: "kolu" -> "luko") there are
            // one-edit variants of the true answer.
            let syllables = stride(from: 0, to: item.a.count, by: 2).map { String(Array(item.a)[$0..<min($0 + 2, item.a.count)]) }
            pool = [item.a, syllables.reversed().joined()] + oneEditVariants(of: truth, &rng)
        case .uppercase:
            pool = [item.a.prefix(1).uppercased() + item.a.dropFirst()] + oneEditVariants(of: truth, &rng)
        case .larger:
            pool = [item.a == truth ? item.b : item.a]
        }
        pool.shuffle(using: &rng)
        var out: [String] = []
        func add(_ s: String) { if s != truth && !out.contains(s) { out.append(s) } }
        for s in pool where out.count < 3 { add(s) }
        while out.count < 3 {
            let (a, b) = slots(item.task, &rng)
            add(item.task.solve(a, b))
        }
        return out.map(DemoItem.answerText)
    }

    /// Two near misses of a word answer: two adjacent letters swapped, and one vowel replaced.
    private static func oneEditVariants(of word: String, _ rng: inout SeededRandom) -> [String] {
        var letters = Array(word)
        var swapped = letters
        let i = Int(rng.next() % UInt64(letters.count - 1))
        swapped.swapAt(i, i + 1)
        let uppercase = word == word.uppercased()
        let vowelSet = (uppercase ? vowels.map { $0.uppercased() } : vowels).map { Character($0) }
        if let v = letters.indices.filter({ vowelSet.contains(letters[$0]) }).randomElement(using: &rng) {
            letters[v] = vowelSet.filter { $0 != letters[v] }.randomElement(using: &rng)!
        }
        return [String(swapped), String(letters)]
    }

    /// The kind and slot values of `text` if it is exactly one of the known questions, else nil.
    static func parse(_ text: String) -> DemoItem? {
        for (task, template, regex) in parsers {
            let range = NSRange(text.startIndex..., in: text)
            guard let m = regex.firstMatch(in: text, range: range) else { continue }
            let groups = (1..<m.numberOfRanges).map { String(text[Range(m.range(at: $0), in: text)!]) }
            let a = groups[0], b = groups.count > 1 ? groups[1] : ""
            if task == .larger && a == b { continue }
            return item(task, template: template, a: a, b: b)
        }
        return nil
    }

    /// One anchored regex per (kind, phrasing), built from the templates.
    private static let parsers: [(DemoTask, String, NSRegularExpression)] = DemoTask.allCases.flatMap { task in
        task.templates.map { template in
            let escaped = NSRegularExpression.escapedPattern(for: template)
            let pattern = "^" + escaped.replacingOccurrences(of: "\\{a\\}", with: task.slotPattern)
                .replacingOccurrences(of: "\\{b\\}", with: task.slotPattern) + "$"
            return (task, template, try! NSRegularExpression(pattern: pattern))
        }
    }
}

/// The demo's train and held-out splits; no held-out question string occurs in training.
struct DemoSplits {
    var train: [DemoItem]
    var heldOut: [DemoItem]

    /// Held-out items are drawn first (unique questions, balanced over kinds); training items are
    /// then drawn from the same distribution, rejecting any held-out question. Training may repeat
    /// a question (there are only 300 distinct addition questions), held-out never does.
    init(trainCount: Int, heldOutCount: Int, rng: inout SeededRandom) {
        var held: [DemoItem] = []
        var heldQuestions = Set<String>()
        while held.count < heldOutCount {
            let task = DemoTask.allCases[held.count % DemoTask.allCases.count]
            let template = task.templates.randomElement(using: &rng)!
            let (a, b) = DemoWorld.slots(task, &rng)
            let it = DemoWorld.item(task, template: template, a: a, b: b)
            if heldQuestions.insert(it.question).inserted { held.append(it) }
        }
        var train: [DemoItem] = []
        while train.count < trainCount {
            let it = DemoWorld.randomItem(&rng)
            if !heldQuestions.contains(it.question) { train.append(it) }
        }
        self.train = train
        heldOut = held
    }

    /// Held-out questions that also occur in training (must be zero).
    var overlap: Int {
        let trainQuestions = Set(train.map(\.question))
        return heldOut.filter { trainQuestions.contains($0.question) }.count
    }
}
