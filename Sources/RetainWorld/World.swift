import Foundation
import RetainPortableMath
import RetainCore

/// A public SFT set: a general-purpose set someone published, with its own family mix (some
/// families missing), phrasings and response style.
public struct PublicSet: Sendable {
    public let config: PublicSetConfig
    public var name: String { config.name }
    /// λ: how far its family mix is pushed from the original's (see `PublicSetConfig.mixShift`).
    public var lambda: Double { config.mixShift }
    public let style: ResponseStyle
    /// The designed family mix (fractions summing to 1; missing families absent).
    public let targetMix: [String: Double]
    /// General families it lacks, sorted.
    public let missingFamilies: [String]
    /// Phrasing indices it uses, per family.
    public let templates: [String: [Int]]
    public let conversations: [Conversation]
}

/// A benchmark: the same held-out questions as multiple-choice items (scored by log-likelihood;
/// choices are replies in the original style) and as generative items (exact match after
/// answer extraction). Equal items per family, grouped by family in family order.
public struct Benchmark: Sendable {
    /// "general" or "domain".
    public let name: String
    public let kind: BenchmarkKind
    public let families: [String]
    /// The task instance behind each item (same order as the items).
    public let instances: [TaskInstance]
    public let multipleChoice: [MultipleChoiceItem]
    public let generative: [GenerativeItem]
    /// The style the multiple-choice replies are rendered in.
    public let choiceStyle: ResponseStyle
}

public struct WorldBenchmarks: Sendable {
    public let general: Benchmark
    public let domain: Benchmark
    public var all: [Benchmark] { [general, domain] }
}

/// The built-in synthetic world, built deterministically from a `WorldConfig`: knowledge bases,
/// task families, pretraining corpus, the vendor's original SFT set, public sets, the user's
/// domain set, and held-out benchmarks.
public struct World: Sendable {
    public let config: WorldConfig
    public let generalKB: GeneralKnowledgeBase
    public let medicalKB: MedicalKnowledgeBase
    /// Every family: general ones first, then domain ones.
    public let families: [TaskFamily]
    public var generalFamilies: [TaskFamily] { families.filter { $0.kind == .general } }
    public var domainFamilies: [TaskFamily] { families.filter { $0.kind == .domain } }

    /// The vendor's reply style (also the benchmark choices' style).
    public let originalStyle: ResponseStyle = .original
    /// The domain set's reply style.
    public let domainStyle: ResponseStyle = .clinical
    /// The original set's designed family mix (general families only).
    public let originalMix: [String: Double]
    /// Phrasing indices the original set uses, per family.
    public let originalTemplates: [String: [Int]]

    /// Documents for pretraining.
    public let pretrainingCorpus: [String]
    /// The vendor's SFT set: hidden from every strategy except the oracle-replay arm.
    public let originalSFT: [Conversation]
    public let publicSets: [PublicSet]
    /// The user's domain data.
    public let domainSet: [Conversation]
    public let benchmarks: WorldBenchmarks

    /// Every benchmark question; no training set or corpus document contains one.
    public let benchmarkQuestions: Set<String>
    /// Keys of benchmark instances of generated families (`TaskInstance.key`), kept out of every
    /// training set. Knowledge families hold out only the question strings.
    public let heldOutInstanceKeys: Set<String>

    private let familyIndex: [String: Int]

    public init(config: WorldConfig) throws {
        try config.validate()
        self.config = config
        let root = WorldRandom(seed: config.seed)

        var names = NameGenerator(rng: root.derived("names"))
        var kbRng = root.derived("knowledge")
        generalKB = KnowledgeBaseBuilder.general(countries: config.countries, animals: config.animals, elements: config.elements,
                                                 names: &names, rng: &kbRng)
        medicalKB = KnowledgeBaseBuilder.medical(diseases: config.diseases, names: &names, rng: &kbRng)
        let families = TaskCatalog.families(general: generalKB, medical: medicalKB)
        let familyIndex = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($1.name, $0) })
        self.families = families
        self.familyIndex = familyIndex
        let general = families.filter { $0.kind == .general }
        let domain = families.filter { $0.kind == .domain }

        // Benchmarks first: everything else is generated around what they hold out.
        var benchRng = root.derived("benchmarks")
        let generalBench = try Self.makeBenchmark(name: "general", kind: .general, families: general,
                                                  itemsPerFamily: config.generalItemsPerFamily, style: .original, rng: &benchRng)
        let domainBench = try Self.makeBenchmark(name: "domain", kind: .domain, families: domain,
                                                 itemsPerFamily: config.domainItemsPerFamily, style: .original, rng: &benchRng)
        benchmarks = WorldBenchmarks(general: generalBench, domain: domainBench)
        let allItems = generalBench.instances + domainBench.instances
        let benchmarkQuestions = Set(generalBench.generative.map(\.question) + domainBench.generative.map(\.question))
        let heldOutInstanceKeys = Set(allItems.filter { !families[familyIndex[$0.family]!].usesKnowledge }.map(\.key))
        self.benchmarkQuestions = benchmarkQuestions
        self.heldOutInstanceKeys = heldOutInstanceKeys
        let exclusion = Exclusion(questions: benchmarkQuestions, instanceKeys: heldOutInstanceKeys)

        // The original set: uneven mix over general families, a subset of phrasings, its style.
        var mixRng = root.derived("mix.original")
        let skew = config.originalMixSkew
        let originalMix = Self.normalised(Dictionary(uniqueKeysWithValues: general.map { ($0.name, PortableMath.exp(skew * (2 * mixRng.unit() - 1))) }))
        var templateRng = root.derived("templates.original")
        var templateOrder: [String: [Int]] = [:]
        for f in families { templateOrder[f.name] = templateRng.shuffled(Array(f.templates.indices)) }
        let originalTemplates = Dictionary(uniqueKeysWithValues: general.map {
            ($0.name, Array(templateOrder[$0.name]!.prefix(config.originalTemplatesPerFamily)).sorted())
        })
        self.originalTemplates = originalTemplates
        self.originalMix = originalMix
        var setRng = root.derived("set.original")
        originalSFT = try Self.makeSet(source: "original", size: config.originalSize, families: general, mix: originalMix,
                                   templates: originalTemplates, style: .original, exclusion: exclusion, rng: &setRng)

        // Public sets: missing families from one shared order (nested), λ-shifted mix, phrasings
        // partly shared with the original, own style.
        var missingRng = root.derived("public.missing")
        let missingOrder = missingRng.shuffled(general.map(\.name))
        publicSets = try config.publicSets.map { p in
            let missing = Set(missingOrder.prefix(p.missingFamilies))
            let kept = general.filter { !missing.contains($0.name) }
            var rng = root.derived("mix.\(p.name)")
            let other = Self.normalised(Dictionary(uniqueKeysWithValues: kept.map { ($0.name, PortableMath.exp(2 * (2 * rng.unit() - 1))) }))
            let restricted = Self.normalised(originalMix.filter { !missing.contains($0.key) })
            let mix = Dictionary(uniqueKeysWithValues: kept.map { f in
                (f.name, (1 - p.mixShift) * restricted[f.name]! + p.mixShift * other[f.name]!)
            })
            let templates = Dictionary(uniqueKeysWithValues: kept.map { f -> (String, [Int]) in
                let order = templateOrder[f.name]!
                let shared = order.prefix(p.sharedTemplates)
                let neverOriginal = order.dropFirst(config.originalTemplatesPerFamily)
                return (f.name, Array(shared + neverOriginal).sorted())
            })
            let style = ResponseStyle.named(p.style)!
            var setRng = root.derived("set.\(p.name)")
            let conversations = try Self.makeSet(source: p.name, size: p.size, families: kept, mix: mix, templates: templates,
                                             style: style, exclusion: exclusion, rng: &setRng)
            return PublicSet(config: p, style: style, targetMix: mix, missingFamilies: missing.sorted(),
                             templates: templates, conversations: conversations)
        }

        // The domain set: domain families, uniform mix, every phrasing, the clinical style.
        var domainRng = root.derived("set.domain")
        domainSet = try Self.makeSet(source: "domain", size: config.domainSize, families: domain,
                                 mix: Dictionary(uniqueKeysWithValues: domain.map { ($0.name, 1.0 / Double(domain.count)) }),
                                 templates: Dictionary(uniqueKeysWithValues: domain.map { ($0.name, Array($0.templates.indices)) }),
                                 style: .clinical, exclusion: exclusion, rng: &domainRng)

        var corpusRng = root.derived("corpus")
        pretrainingCorpus = CorpusBuilder.build(general: generalKB, medical: medicalKB, config: config, rng: &corpusRng)
    }

    /// A world from a preset.
    public init(preset: WorldConfig.Preset, seed: UInt64 = 1) throws {
        try self.init(config: .preset(preset, seed: seed))
    }

    public func family(named name: String) -> TaskFamily? { familyIndex[name].map { families[$0] } }

    // MARK: - Parsing and verification

    /// The family and instance if `instruction` is a valid instance of some family (one of its
    /// phrasings, with valid fields); nil otherwise. Used to measure what share of model-written
    /// instructions are valid, and their family mix.
    public func classify(instruction: String) -> (family: String, instance: TaskInstance)? {
        for f in families {
            if let (instance, _) = f.parse(instruction) { return (f.name, instance) }
        }
        return nil
    }

    /// Whether `response` correctly answers `instruction` (flexible answer extraction); nil if
    /// the instruction is not a valid instance of any family.
    public func isCorrect(instruction: String, response: String) -> Bool? {
        guard let (name, instance) = classify(instruction: instruction) else { return nil }
        return family(named: name)!.isCorrect(instance, response: response)
    }

    // MARK: - Family mixes

    /// Fraction of conversations per family, over those whose family is known (the `family`
    /// field, else classifying the first user message); unrecognised ones are left out (see
    /// `validShare`).
    public func familyMix(_ conversations: [Conversation]) -> [String: Double] {
        var counts: [String: Int] = [:]
        for c in conversations {
            if let f = c.family ?? c.instruction.flatMap({ classify(instruction: $0)?.family }) { counts[f, default: 0] += 1 }
        }
        return Self.normalised(counts.mapValues(Double.init))
    }

    /// Fraction of conversations whose first user message is a valid instance of some family.
    public func validShare(_ conversations: [Conversation]) -> Double {
        guard !conversations.isEmpty else { return 0 }
        let valid = conversations.filter { $0.instruction.map { classify(instruction: $0) != nil } ?? false }.count
        return Double(valid) / Double(conversations.count)
    }

    /// Total-variation distance between the family mix of `conversations` and that of the
    /// original SFT set (both measured): 0 = same proportions, 1 = disjoint families.
    public func familyMixDistance(_ conversations: [Conversation]) -> Double {
        Self.totalVariationDistance(familyMix(conversations), familyMix(originalSFT))
    }

    /// ½ Σ |p(f) − q(f)| over the union of families (absent = 0); summed in sorted key order.
    public static func totalVariationDistance(_ p: [String: Double], _ q: [String: Double]) -> Double {
        let keys = Set(p.keys).union(q.keys).sorted()
        return 0.5 * keys.reduce(0) { $0 + abs((p[$1] ?? 0) - (q[$1] ?? 0)) }
    }

    // MARK: - Construction

    struct Exclusion {
        let questions: Set<String>
        let instanceKeys: Set<String>
        func excludes(_ family: TaskFamily, _ instance: TaskInstance, _ question: String) -> Bool {
            questions.contains(question) || (!family.usesKnowledge && instanceKeys.contains(instance.key))
        }
    }

    static func normalised(_ weights: [String: Double]) -> [String: Double] {
        let total = weights.keys.sorted().reduce(0) { $0 + weights[$1]! }
        guard total > 0 else { return weights }
        return weights.mapValues { $0 / total }
    }

    static func makeSet(source: String, size: Int, families: [TaskFamily], mix: [String: Double],
                        templates: [String: [Int]], style: ResponseStyle, exclusion: Exclusion,
                        rng: inout WorldRandom) throws -> [Conversation] {
        let weights = families.map { mix[$0.name] ?? 0 }
        return try (0..<size).map { _ in
            let f = families[rng.index(weightedBy: weights)]
            let phrasings = templates[f.name]!
            for _ in 0..<2_000 {
                let instance = f.generate(&rng)
                let question = f.render(instance, template: rng.pick(phrasings))
                if exclusion.excludes(f, instance, question) { continue }
                return Conversation(messages: [.user(question), .assistant(style.render(f.answer(for: instance)))],
                                    family: f.name, source: source)
            }
            throw WorldError.trainingCapacity(family: f.name, set: source)
        }
    }

    static func makeBenchmark(name: String, kind: BenchmarkKind, families: [TaskFamily], itemsPerFamily n: Int,
                              style: ResponseStyle, rng: inout WorldRandom) throws -> Benchmark {
        var instances: [TaskInstance] = [], mc: [MultipleChoiceItem] = [], gen: [GenerativeItem] = []
        for f in families {
            var questions: Set<String> = [], keys: Set<String> = []
            var found = 0, tries = 0
            while found < n && tries < 200 * n + 2_000 {
                tries += 1
                let instance = f.generate(&rng)
                let question = f.render(instance, template: rng.int(below: f.templates.count))
                // Knowledge families: distinct questions; generated families: distinct instances.
                guard !questions.contains(question), f.usesKnowledge || !keys.contains(instance.key) else { continue }
                questions.insert(question)
                keys.insert(instance.key)
                let answer = f.answer(for: instance)
                var choices = [answer] + f.distractors(for: instance, rng: &rng)
                rng.shuffle(&choices)
                let id = "\(name)-\(f.name)-\(String(format: "%03d", found))"
                instances.append(instance)
                mc.append(MultipleChoiceItem(id: id, family: f.name, kind: kind, question: question,
                                             choices: choices.map(style.render), answerIndex: choices.firstIndex(of: answer)!))
                gen.append(GenerativeItem(id: id, family: f.name, kind: kind, question: question, answer: answer))
                found += 1
            }
            if found < n { throw WorldError.benchmarkCapacity(family: f.name, wanted: n, found: found) }
        }
        return Benchmark(name: name, kind: kind, families: families.map(\.name), instances: instances,
                         multipleChoice: mc, generative: gen, choiceStyle: style)
    }
}
