import Foundation
import RetainCore
@testable import RetainWorld
import XCTest

/// Built once and shared: building is deterministic, so sharing cannot couple tests.
let quickWorld = try! World(preset: .quick)

final class DeterminismTests: XCTestCase {
    func testSameSeedSameWorldDifferentSeedDifferentWorld() throws {
        let a = quickWorld
        let b = try World(preset: .quick)
        XCTAssertEqual(a.generalKB, b.generalKB)
        XCTAssertEqual(a.medicalKB, b.medicalKB)
        XCTAssertEqual(a.pretrainingCorpus, b.pretrainingCorpus)
        XCTAssertEqual(a.originalSFT, b.originalSFT)
        XCTAssertEqual(a.publicSets.map(\.conversations), b.publicSets.map(\.conversations))
        XCTAssertEqual(a.domainSet, b.domainSet)
        for (x, y) in zip(a.benchmarks.all, b.benchmarks.all) {
            XCTAssertEqual(x.multipleChoice, y.multipleChoice)
            XCTAssertEqual(x.generative, y.generative)
        }

        let c = try World(preset: .quick, seed: 2)
        XCTAssertNotEqual(a.config.contentHash, c.config.contentHash)
        XCTAssertNotEqual(a.generalKB, c.generalKB)
        XCTAssertNotEqual(a.pretrainingCorpus, c.pretrainingCorpus)
        XCTAssertNotEqual(a.originalSFT, c.originalSFT)
        XCTAssertNotEqual(a.publicSets.map(\.conversations), c.publicSets.map(\.conversations))
        XCTAssertNotEqual(a.domainSet, c.domainSet)
        XCTAssertNotEqual(a.benchmarks.general.generative, c.benchmarks.general.generative)
        XCTAssertNotEqual(a.benchmarks.domain.generative, c.benchmarks.domain.generative)
    }

    func testRandomStreamIsPinned() {
        // Pinned outputs: a change to the generator would silently change every world.
        var r = WorldRandom(seed: 0)
        let first = (0..<3).map { _ in r.next() }
        var again = WorldRandom(seed: 0)
        XCTAssertEqual(first, (0..<3).map { _ in again.next() })
        XCTAssertEqual(first, WorldRandomGolden.seed0)
        // Derived streams are independent of each other and do not advance the parent.
        let parent = WorldRandom(seed: 7)
        var d1 = parent.derived("a"), d2 = parent.derived("b"), d1b = parent.derived("a")
        XCTAssertNotEqual(d1.next(), d2.next())
        _ = d1b.next()
        XCTAssertEqual(d1.next(), d1b.next())
        var u = WorldRandom(seed: 3)
        for _ in 0..<1000 { XCTAssert((0..<7).contains(u.int(below: 7))) }
    }

    func testContentHash() throws {
        // FNV-1a 64 reference vectors.
        XCTAssertEqual(ContentHash.fnv1a64(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(ContentHash.fnv1a64("a"), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(ContentHash.fnv1a64("foobar"), 0x8594_4171_F739_67E8)
        let c = WorldConfig.preset(.quick)
        XCTAssertEqual(c.contentHash, WorldConfig.preset(.quick).contentHash)
        XCTAssertEqual(c.contentHash.count, 16)
        var d = c
        d.domainFactFrequency = 0.31
        XCTAssertNotEqual(c.contentHash, d.contentHash)
        var e = c
        e.publicSets[1].mixShift = 0.55
        XCTAssertNotEqual(c.contentHash, e.contentHash)
    }

    func testConfigValidationNamesTheField() {
        var c = WorldConfig.preset(.quick)
        c.domainFactFrequency = 1.5
        XCTAssertThrowsError(try World(config: c)) { error in
            XCTAssertEqual(error as? WorldError, .invalidConfig(field: "domainFactFrequency", allowed: "0...1"))
        }
        var d = WorldConfig.preset(.quick)
        d.publicSets[0].style = "shouty"
        XCTAssertThrowsError(try d.validate()) { error in
            XCTAssert("\(error)".contains("publicSets[0].style"))
        }
        var e = WorldConfig.preset(.quick)
        e.diseases = 4
        e.domainItemsPerFamily = 500   // 4 diseases x 5 phrasings cannot give 500 distinct questions
        XCTAssertThrowsError(try World(config: e)) { error in
            guard case .benchmarkCapacity = error as? WorldError else { return XCTFail("\(error)") }
        }
    }
}

enum WorldRandomGolden {
    static let seed0: [UInt64] = [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0]
}

final class DisjointnessTests: XCTestCase {
    func testBenchmarksAreDisjointFromTrainingSetsAndCorpus() {
        let w = quickWorld
        var questions: Set<String> = []
        var heldOut: Set<String> = []   // generated-family instances
        for b in w.benchmarks.all {
            for (item, instance) in zip(b.generative, b.instances) {
                questions.insert(item.question)
                if !w.family(named: item.family)!.usesKnowledge { heldOut.insert(instance.key) }
            }
        }
        XCTAssertEqual(questions.count, w.benchmarks.all.reduce(0) { $0 + $1.generative.count }, "benchmark questions are distinct")
        XCTAssertFalse(heldOut.isEmpty)

        let training = w.originalSFT + w.publicSets.flatMap(\.conversations) + w.domainSet
        for c in training {
            let q = c.instruction!
            XCTAssertFalse(questions.contains(q), "benchmark question in a training set: \(q)")
            let family = w.family(named: c.family!)!
            let parsed = family.parse(q)!
            if !family.usesKnowledge { XCTAssertFalse(heldOut.contains(parsed.instance.key), "held-out instance in training: \(q)") }
        }
        for doc in w.pretrainingCorpus {
            XCTAssertFalse(doc.contains("?"), "the corpus holds statements only: \(doc)")
            for q in questions where doc.contains(q) { XCTFail("benchmark question in the corpus: \(q)") }
        }
    }

    func testDomainFactFrequencyControlsMedicalFactsInCorpus() throws {
        var none = WorldConfig.preset(.quick)
        none.domainFactFrequency = 0
        let w0 = try World(config: none)
        let names = w0.medicalKB.diseases.map(\.name) + w0.medicalKB.drugs.map(\.name)
        XCTAssertFalse(w0.pretrainingCorpus.contains { doc in names.contains { doc.contains($0) } })

        var always = none
        always.domainFactFrequency = 1
        let w1 = try World(config: always)
        for d in w1.medicalKB.diseases {
            XCTAssertEqual(w1.pretrainingCorpus.filter { $0.contains(d.name) }.count, always.corpusPasses)
        }
        // The default rate puts medical facts in some documents, fewer than general facts.
        let w = quickWorld
        let medical = w.pretrainingCorpus.filter { doc in w.medicalKB.diseases.contains { doc.contains($0.name) } }.count
        let countries = w.pretrainingCorpus.filter { doc in w.generalKB.countries.contains { doc.hasPrefix($0.name) || doc.contains(" \($0.name)") } }.count
        XCTAssertGreaterThan(medical, 0)
        XCTAssertLessThan(medical, countries)
    }
}

final class FamilyTests: XCTestCase {
    func testFamilyCounts() {
        let w = quickWorld
        XCTAssertGreaterThanOrEqual(w.generalFamilies.count, 8)
        XCTAssertGreaterThanOrEqual(w.domainFamilies.count, 3)
        XCTAssertEqual(Set(w.families.map(\.name)).count, w.families.count)
        for f in w.families { XCTAssertGreaterThanOrEqual(f.templates.count, 4, f.name) }
    }

    func testEveryTemplateRoundTripsAndVerifies() {
        let w = quickWorld
        var rng = WorldRandom(seed: 99)
        let originalStrict = w.originalStyle
        for f in w.families {
            for t in f.templates.indices {
                for _ in 0..<25 {
                    let instance = f.generate(&rng)
                    XCTAssert(f.isValid(instance), "\(f.name): generated an invalid instance \(instance.key)")
                    let text = f.render(instance, template: t)
                    guard let parsed = f.parse(text) else { XCTFail("\(f.name) cannot parse its own template: \(text)"); continue }
                    XCTAssertEqual(parsed.instance, instance, text)
                    XCTAssertEqual(f.render(parsed.instance, template: parsed.template), text)
                    // Unambiguous across families.
                    XCTAssertEqual(w.classify(instruction: text)?.family, f.name, text)
                    XCTAssertEqual(w.classify(instruction: "  " + text + "\n")?.instance, instance, "surrounding whitespace is ignored")

                    let answer = f.answer(for: instance)
                    for style in ResponseStyle.all {
                        let reply = style.render(answer)
                        XCTAssert(f.isCorrect(instance, response: reply), "\(f.name): \(text) -> \(reply) judged wrong")
                        XCTAssert(f.isCorrect(instance, response: reply, strictStyle: style), "\(f.name): strict \(style.name)")
                        XCTAssertEqual(w.isCorrect(instruction: text, response: reply), true)
                    }
                    XCTAssertFalse(f.isCorrect(instance, response: ResponseStyle.bare.render(answer), strictStyle: originalStrict))
                    for wrong in f.distractors(for: instance, rng: &rng) {
                        for style in [ResponseStyle.original, .chatty, .clinical] {
                            XCTAssertFalse(f.isCorrect(instance, response: style.render(wrong)), "\(f.name): \(text) -> wrong \(wrong) judged right")
                        }
                        XCTAssertFalse(f.isCorrect(instance, response: originalStrict.render(wrong), strictStyle: originalStrict))
                    }
                }
            }
        }
    }

    func testParsersRejectInvalidInstructions() {
        let w = quickWorld
        let country = w.generalKB.countries[0].name
        XCTAssertNotNil(w.classify(instruction: "What is the capital of \(country)?"))
        for bad in ["What is the capital of Atlantisland?", "What is 5 plus?", "What is 05 plus 3?", "Which is larger, 7 or 7?",
                    "Convert 3 meters to hours.", "Reverse the word Velora.", "Is \(w.medicalKB.drugs[0].name) contraindicated in boredom?",
                    "What is 12 minus 30?", "Sort these numbers in ascending order: 3.", "hello", "",
                    "What is the capital of \(country)? Please answer."] {
            XCTAssertNil(w.classify(instruction: bad), bad)
            XCTAssertNil(w.isCorrect(instruction: bad, response: "The answer is 3."), bad)
        }
    }

    func testFlexibleAndStrictExtraction() {
        XCTAssertEqual(AnswerExtractor.flexible("The answer is 42.", kind: .integer), "42")
        XCTAssertEqual(AnswerExtractor.flexible("42, or maybe 41", kind: .integer), "41")
        XCTAssertEqual(AnswerExtractor.flexible("It is -3 degrees", kind: .integer), "-3")
        XCTAssertEqual(AnswerExtractor.flexible("x-3", kind: .integer), "3")
        XCTAssertNil(AnswerExtractor.flexible("no digits", kind: .integer))
        XCTAssertEqual(AnswerExtractor.flexible("From 9: sorted 1, 2,3 done.", kind: .integerList), "1, 2, 3")
        XCTAssertEqual(AnswerExtractor.flexible("Yes. Well, no!", kind: .vocabulary(["yes", "no"])), "no")
        XCTAssertEqual(AnswerExtractor.flexible("It is velora, I think.", kind: .vocabulary(["Velora", "Tashkum"])), "Velora")
        XCTAssertEqual(AnswerExtractor.flexible("Sure! Here it is: arolev", kind: .word(caseSensitive: false)), "arolev")
        XCTAssertEqual(AnswerExtractor.flexible("The answer is arolev.", kind: .word(caseSensitive: false)), "arolev")
        XCTAssert(AnswerExtractor.same("VELORA", "VELORA", kind: .word(caseSensitive: true)))
        XCTAssertFalse(AnswerExtractor.same("Velora", "VELORA", kind: .word(caseSensitive: true)))
        XCTAssertEqual(ResponseStyle.original.strictAnswer(in: " The answer is 7.\n"), "7")
        XCTAssertNil(ResponseStyle.original.strictAnswer(in: "The answer is 7"))
        XCTAssertNil(ResponseStyle.original.strictAnswer(in: "I think the answer is 7."))
    }

    /// The consensus judge's rule reads replies only: every style's reply to an answer gives the
    /// same string, the right one, whatever the family, and a wrong answer gives another.
    func testLastAnswerNeedsNeitherTheKindNorTheAnswer() {
        let w = quickWorld
        var rng = WorldRandom(seed: 7)
        for f in w.families {
            for _ in 0..<25 {
                let instance = f.generate(&rng)
                let answer = f.answer(for: instance)
                let found = Set(ResponseStyle.all.map { AnswerExtractor.lastAnswer($0.render(answer)) })
                XCTAssertEqual(found.count, 1, "\(f.name): \(answer) read as \(found)")
                guard let a = found.first ?? nil else { XCTFail("\(f.name): no answer in \(answer)"); continue }
                XCTAssert(AnswerExtractor.same(a, answer, kind: f.answerKind), "\(f.name): \(answer) read as \(a)")
                for wrong in f.distractors(for: instance, rng: &rng) {
                    XCTAssertNotEqual(AnswerExtractor.lastAnswer(ResponseStyle.original.render(wrong)), a, "\(f.name): \(wrong)")
                }
            }
        }
        XCTAssertEqual(AnswerExtractor.lastAnswer("From 9: sorted 1, 2,3 done."), "done")
        XCTAssertEqual(AnswerExtractor.lastAnswer("Sure! Here it is: 1, 2,3."), "1, 2, 3")
        XCTAssertEqual(AnswerExtractor.lastAnswer("The answer is VELORA."), "VELORA")
        XCTAssertEqual(AnswerExtractor.lastAnswer("The answer is So."), "So", "filler words only: the last one")
        XCTAssertEqual(AnswerExtractor.lastAnswer("Velora, I think it is"), "Velora")
        XCTAssertEqual(AnswerExtractor.lastAnswer("42 is the answer"), "42")
        XCTAssertNil(AnswerExtractor.lastAnswer("... !"))
    }

    func testTemplateMatching() {
        let t = InstructionTemplate("Count the letter {c} in the word {w}.")
        XCTAssertEqual(t.match("Count the letter a in the word banana.", slots: ["c": .letter, "w": .word]), ["c": "a", "w": "banana"])
        XCTAssertNil(t.match("Count the letter ab in the word banana.", slots: ["c": .letter, "w": .word]))
        let l = InstructionTemplate("Put {list} in increasing order.")
        XCTAssertEqual(l.match("Put 3, 10, 2 in increasing order.", slots: ["list": .numberList]), ["list": "3, 10, 2"])
        XCTAssertNil(l.match("Put 3,10 in increasing order.", slots: ["list": .numberList]))
    }
}

final class NameTests: XCTestCase {
    func testNamesAreUniqueCapitalisedAndNeverSubstrings() throws {
        for w in [quickWorld, try World(preset: .default)] { try checkNames(w) }
        var g = NameGenerator(rng: WorldRandom(seed: 1))
        XCTAssert(g.register("Velora"))
        XCTAssertFalse(g.register("Velora"), "a duplicate is refused")
        XCTAssertFalse(g.register("Velorakan"), "a name containing a name is refused")
        XCTAssertFalse(g.register("Lora"), "a name inside a name is refused")
    }

    private func checkNames(_ w: World) throws {
        let kb = w.generalKB, med = w.medicalKB
        let names = kb.countries.map(\.name) + kb.countries.map(\.capital) + kb.languages + kb.animals.map(\.name)
            + kb.elements.map(\.name) + med.diseases.map(\.name) + med.drugs.map(\.name)
        XCTAssertEqual(Set(names.map { $0.lowercased() }).count, names.count, "names are unique")
        let lower = names.map { $0.lowercased() }
        for (i, a) in lower.enumerated() {
            XCTAssert(names[i].first!.isUppercase && names[i].dropFirst().allSatisfy(\.isLowercase), names[i])
            for (j, b) in lower.enumerated() where i != j {
                XCTAssertFalse(b.contains(a), "\(names[i]) is inside \(names[j])")
            }
        }
        XCTAssertEqual(Set(kb.elements.map(\.symbol)).count, kb.elements.count, "element symbols are unique")
    }
}

final class BenchmarkTests: XCTestCase {
    func testBalancedAndWellFormed() {
        let w = quickWorld
        let expected: [BenchmarkKind: (Int, [TaskFamily])] = [
            .general: (w.config.generalItemsPerFamily, w.generalFamilies), .domain: (w.config.domainItemsPerFamily, w.domainFamilies),
        ]
        for b in w.benchmarks.all {
            let (perFamily, families) = expected[b.kind]!
            XCTAssertEqual(b.families, families.map(\.name))
            var counts: [String: Int] = [:]
            for item in b.multipleChoice { counts[item.family, default: 0] += 1 }
            XCTAssertEqual(counts, Dictionary(uniqueKeysWithValues: families.map { ($0.name, perFamily) }), "equal items per family")
            XCTAssertEqual(b.multipleChoice.count, b.generative.count)
            XCTAssertEqual(Set(b.multipleChoice.map(\.id)).count, b.multipleChoice.count, "ids are unique")
            for ((mc, gen), instance) in zip(zip(b.multipleChoice, b.generative), b.instances) {
                XCTAssertEqual(mc.id, gen.id)
                XCTAssertEqual(mc.question, gen.question)
                XCTAssertEqual(mc.kind, b.kind)
                XCTAssertEqual(mc.choices.count, 4)
                XCTAssertEqual(Set(mc.choices).count, 4, "distinct choices: \(mc.choices)")
                XCTAssertEqual(mc.choices[mc.answerIndex], w.originalStyle.render(gen.answer))
                let f = w.family(named: mc.family)!
                XCTAssertEqual(f.answer(for: instance), gen.answer)
                XCTAssertEqual(f.parse(mc.question)?.instance, instance)
                for (i, choice) in mc.choices.enumerated() {
                    XCTAssertEqual(f.isCorrect(instance, response: choice), i == mc.answerIndex, "\(mc.id): \(choice)")
                }
            }
        }
        // The answer position is spread over the four slots.
        XCTAssertEqual(Set(w.benchmarks.general.multipleChoice.map(\.answerIndex)), [0, 1, 2, 3])
    }
}

final class SetTests: XCTestCase {
    func testSetsHaveTheirDesignedFamiliesStylesAndSizes() {
        let w = quickWorld
        let general = Set(w.generalFamilies.map(\.name)), domain = Set(w.domainFamilies.map(\.name))
        XCTAssertEqual(w.originalSFT.count, w.config.originalSize)
        XCTAssert(Set(w.originalSFT.map { $0.family! }).isSubset(of: general), "the original set is domain-free")
        XCTAssertEqual(Set(w.domainSet.map { $0.family! }), domain)
        XCTAssertEqual(w.domainSet.count, w.config.domainSize)
        XCTAssert(w.domainSet.allSatisfy { w.domainStyle.strictAnswer(in: $0.response!) != nil })
        XCTAssert(w.originalSFT.allSatisfy { w.originalStyle.strictAnswer(in: $0.response!) != nil })
        // The original uses a subset of the phrasings.
        for c in w.originalSFT.prefix(500) {
            let t = w.family(named: c.family!)!.parse(c.instruction!)!.template
            XCTAssert(w.originalTemplates[c.family!]!.contains(t))
        }
        // The measured mix follows the designed one; parsing alone recovers it.
        XCTAssertLessThan(World.totalVariationDistance(w.familyMix(w.originalSFT), w.originalMix), 0.06)
        let unlabelled = w.originalSFT.map { Conversation(messages: $0.messages) }
        XCTAssertEqual(w.validShare(unlabelled), 1)
        XCTAssertEqual(w.familyMix(unlabelled), w.familyMix(w.originalSFT))
        XCTAssertEqual(w.validShare([Conversation(messages: [.user("Tell me a joke."), .assistant("No.")])]), 0)
    }

    func testPublicSetsMissFamiliesAndDistanceGrowsWithLambda() {
        let w = quickWorld
        XCTAssertGreaterThanOrEqual(w.publicSets.count, 3)
        let general = Set(w.generalFamilies.map(\.name))
        for p in w.publicSets {
            XCTAssertEqual(p.conversations.count, p.config.size)
            XCTAssertFalse(p.missingFamilies.isEmpty)
            let present = Set(p.conversations.map { $0.family! })
            XCTAssert(present.isDisjoint(with: p.missingFamilies), "\(p.name) has a missing family")
            XCTAssertEqual(present, general.subtracting(p.missingFamilies))
            XCTAssert(p.conversations.allSatisfy { p.style.strictAnswer(in: $0.response!) != nil && $0.source == p.name })
            XCTAssertNotEqual(p.style, w.originalStyle)
            XCTAssertEqual(p.targetMix.values.reduce(0, +), 1, accuracy: 1e-9)
            // Phrasings overlap the original's only as configured.
            for (family, ts) in p.templates {
                XCTAssertEqual(Set(ts).intersection(w.originalTemplates[family]!).count, p.config.sharedTemplates)
            }
        }
        let byLambda = w.publicSets.sorted { $0.lambda < $1.lambda }
        let measured = byLambda.map { w.familyMixDistance($0.conversations) }
        let designed = byLambda.map { World.totalVariationDistance($0.targetMix, w.originalMix) }
        XCTAssertEqual(measured, measured.sorted(), "TV distance from the original grows with λ: \(measured)")
        XCTAssertEqual(designed, designed.sorted())
        XCTAssertEqual(Set(measured).count, measured.count)
        XCTAssertGreaterThan(measured.first!, 0)
        XCTAssertEqual(World.totalVariationDistance(["a": 1], ["b": 1]), 1)
        XCTAssertEqual(World.totalVariationDistance(["a": 0.5, "b": 0.5], ["a": 0.5, "b": 0.5]), 0)
    }
}

final class ExportTests: XCTestCase {
    func testExportWritesValidJSONLAndLmEvalYAML() throws {
        let w = quickWorld
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-world-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try WorldExporter.export(w, to: dir, options: .init(includeOriginal: true, presetName: "quick"))
        XCTAssert(files.contains("sft/original.jsonl"))
        XCTAssertEqual(Set(files.filter { $0.hasSuffix(".yaml") }),
                       ["benchmarks/general_mc.yaml", "benchmarks/general_gen.yaml", "benchmarks/domain_mc.yaml", "benchmarks/domain_gen.yaml"])

        func lines(_ path: String) throws -> [[String: Any]] {
            let text = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
            XCTAssert(text.hasSuffix("\n"))
            return try text.split(separator: "\n").map {
                try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], path)
            }
        }
        for path in files where path.hasPrefix("sft/") {
            let rows = try lines(path)
            XCTAssertFalse(rows.isEmpty)
            for row in rows {
                let messages = try XCTUnwrap(row["messages"] as? [[String: Any]])
                XCTAssertEqual(messages.map { $0["role"] as? String }, ["user", "assistant"])
                XCTAssert(messages.allSatisfy { ($0["content"] as? String)?.isEmpty == false })
                XCTAssertNotNil(row["family"] as? String)
            }
        }
        XCTAssertEqual(try lines("sft/publicB.jsonl").count, w.publicSets[1].conversations.count)
        let corpus = try lines("corpus.jsonl")
        XCTAssertEqual(corpus.compactMap { $0["text"] as? String }, w.pretrainingCorpus)
        let mc = try lines("benchmarks/general_mc.jsonl")
        XCTAssertEqual(mc.count, w.benchmarks.general.multipleChoice.count)
        for row in mc {
            XCTAssertEqual((row["choices"] as? [String])?.count, 4)
            XCTAssertNotNil(row["answerIndex"] as? Int)
            XCTAssertNotNil(row["question"] as? String)
        }
        XCTAssert(try lines("benchmarks/domain_gen.jsonl").allSatisfy { $0["answer"] is String && $0["question"] is String })
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("world.json"))) as? [String: Any])
        XCTAssertEqual(summary["configHash"] as? String, w.config.contentHash)

        for b in ["general", "domain"] {
            let mcYAML = try String(contentsOf: dir.appendingPathComponent("benchmarks/\(b)_mc.yaml"), encoding: .utf8)
            for key in ["task: retain_\(b)_mc", "dataset_path: json", "dataset_kwargs:", "data_files:", "test: \"\(b)_mc.jsonl\"",
                        "output_type: multiple_choice", "doc_to_text:", "doc_to_choice: choices", "doc_to_target: answerIndex", "metric_list:", "metric: acc"] {
                XCTAssert(mcYAML.contains("\n" + key) || mcYAML.contains(" " + key), "\(b)_mc.yaml lacks \(key)")
            }
            let genYAML = try String(contentsOf: dir.appendingPathComponent("benchmarks/\(b)_gen.yaml"), encoding: .utf8)
            for key in ["task: retain_\(b)_gen", "dataset_path: json", "data_files:", "output_type: generate_until", "doc_to_text:",
                        "doc_to_target: answer", "generation_kwargs:", "until:", "filter_list:", "metric: exact_match", "metric_list:"] {
                XCTAssert(genYAML.contains(key), "\(b)_gen.yaml lacks \(key)")
            }
            // Every non-comment line is `key: value`, `- item` or a bare `key:`, indented by 2s.
            for line in (mcYAML + genYAML).split(separator: "\n") where !line.hasPrefix("#") {
                let indent = line.prefix { $0 == " " }.count
                XCTAssertEqual(indent % 2, 0, String(line))
                let body = line.dropFirst(indent)
                XCTAssert(body.hasPrefix("- ") || body.contains(": ") || body.hasSuffix(":"), String(line))
            }
        }

        let only = dir.appendingPathComponent("only")
        let benchFiles = try WorldExporter.export(w, to: only, options: .init(benchmarksOnly: true))
        XCTAssert(benchFiles.allSatisfy { $0.hasPrefix("benchmarks/") })
        XCTAssertFalse(FileManager.default.fileExists(atPath: only.appendingPathComponent("corpus.jsonl").path))
    }

    func testYAMLQuotingAndRegexEscaping() {
        XCTAssertEqual(WorldExporter.yamlQuoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"")
        XCTAssertEqual(WorldExporter.yamlQuoted("plain"), "\"plain\"")
        XCTAssertEqual(WorldExporter.regexEscaped("Sure! Here it is: (x)."), "Sure! Here it is: \\(x\\)\\.")
        let yaml = WorldExporter.generativeYAML(quickWorld.benchmarks.general, strictStyle: .original, configHash: "0")
        XCTAssert(yaml.contains(#"regex_pattern: "^The answer is (.+?)\\.$""#), yaml)
    }
}

final class PresetTests: XCTestCase {
    func testEveryPresetBuildsWithItsSizes() throws {
        var previous: WorldConfig?
        for preset in WorldConfig.Preset.allCases {
            let c = WorldConfig.preset(preset)
            XCTAssertNoThrow(try c.validate())
            if let p = previous {
                XCTAssertGreaterThan(c.originalSize, p.originalSize)
                XCTAssertGreaterThan(c.countries, p.countries)
                XCTAssertGreaterThanOrEqual(c.generalItemsPerFamily, p.generalItemsPerFamily)
            }
            previous = c
            guard preset != .quick else { continue }   // quick is built by every other test
            let w = try World(config: c)
            XCTAssertEqual(w.originalSFT.count, c.originalSize)
            XCTAssertEqual(w.benchmarks.general.multipleChoice.count, c.generalItemsPerFamily * w.generalFamilies.count)
            XCTAssertEqual(w.benchmarks.domain.generative.count, c.domainItemsPerFamily * w.domainFamilies.count)
        }
    }

    /// The repository's `benchmarks/` folder is `retain world export --preset default --out . --benchmarks-only`.
    func testCommittedBenchmarksMatchTheDefaultWorld() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = repo.appendingPathComponent("benchmarks")
        guard FileManager.default.fileExists(atPath: committed.appendingPathComponent("manifest.json").path) else {
            throw XCTSkip("no benchmarks/ folder next to the sources")
        }
        let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("retain-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: fresh) }
        let files = try WorldExporter.export(try World(preset: .default), to: fresh,
                                             options: .init(benchmarksOnly: true, presetName: "default"))
        for path in files {
            let a = try Data(contentsOf: fresh.appendingPathComponent(path))
            let b = try Data(contentsOf: repo.appendingPathComponent(path))
            XCTAssertEqual(a, b, "\(path) is stale: run `retain world export --preset default --out . --benchmarks-only`")
        }
    }
}
