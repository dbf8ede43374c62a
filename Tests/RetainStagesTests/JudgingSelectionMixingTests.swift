import RetainCore
import RetainStages
import RetainTestSupport
import XCTest

/// A judge with fixed scores per response text.
final class TableJudge: Judge {
    let name: String
    let table: [String: Double?]
    init(_ name: String, _ table: [String: Double?]) { self.name = name; self.table = table }
    var identifier: String { name }
    func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
        inputs.map { JudgeVerdict(score: table[$0.response] ?? nil, raw: $0.response) }
    }
}

final class JudgingSelectionMixingTests: XCTestCase {
    func candidate(_ i: Int, _ g: String, _ k: Int, _ text: String, _ finish: Completion.FinishReason = .stop) -> CandidateResponse {
        CandidateResponse(instructionIndex: i, generator: g, sampleIndex: k, text: text, finishReason: finish)
    }

    func testAveragingIgnoresAbstentionsAndSelectionBreaksTiesDeterministically() throws {
        let instructions = ["q0", "q1", "q2", "q3"]
        let candidates: [[CandidateResponse]] = [
            [candidate(0, "a", 0, "r00"), candidate(0, "b", 0, "r01"), candidate(0, "b", 1, "r02")],
            [candidate(1, "a", 0, "r10"), candidate(1, "a", 1, "r11"), candidate(1, "b", 0, "r12")],
            [candidate(2, "a", 0, "r20", .length), candidate(2, "b", 0, "r21")],
            [candidate(3, "a", 0, "r30")],
        ]
        let j1 = TableJudge("j1", ["r00": 3, "r01": 5, "r02": 4, "r10": 4, "r11": 4, "r12": 2, "r20": 3, "r21": 3, "r30": nil])
        let j2 = TableJudge("j2", ["r00": 5, "r01": nil, "r02": 4, "r10": 4, "r11": 4, "r12": 5, "r20": 3, "r21": 3, "r30": nil])
        let (judged, stats) = try Judging.run(instructions: instructions, candidates: candidates, judges: [j1, j2])
        XCTAssertEqual(judged[0].map(\.averageScore), [4, 5, 4])      // r01: j2 abstains, average of j1 alone
        XCTAssertEqual(judged[1].map(\.averageScore), [4, 4, 3.5])
        XCTAssertEqual(judged[3][0].averageScore, nil)
        XCTAssertEqual(stats.abstentions, ["j1": 1, "j2": 2])
        XCTAssertEqual(stats.histogram["j1"], [0, 1, 3, 3, 1])

        let (selected, selStats) = Selection.run(instructions: instructions, judged: judged, generatorOrder: ["a", "b"])
        XCTAssertEqual(selected.map(\.response.candidate.text), ["r01", "r10", "r21"])
        // q1: r10 and r11 tie at 4 → lower sample index; q2: tie at 3 → the one that finished its turn.
        XCTAssertEqual(selStats.unscored, 1)
        XCTAssertEqual(selStats.byGenerator, ["a": 1, "b": 2])
        XCTAssertEqual(selStats.meanSelectedScore!, (5 + 4 + 3) / 3.0, accuracy: 1e-12)

        let (strict, strictStats) = Selection.run(instructions: instructions, judged: judged, generatorOrder: ["b", "a"], minimumScore: 4)
        XCTAssertEqual(strict.map(\.response.candidate.text), ["r01", "r10"])
        XCTAssertEqual(strictStats.belowMinimum, 1)
        let conversations = Selection.conversations(strict, source: "reconstructed")
        XCTAssertEqual(conversations[0].messages, [.user("q0"), .assistant("r01")])
    }

    func testSelectionWithoutJudgesTakesTheFirstCandidate() throws {
        let candidates = [[candidate(0, "a", 0, "x"), candidate(0, "a", 1, "y")]]
        let (judged, _) = try Judging.run(instructions: ["q"], candidates: candidates, judges: [])
        let (selected, stats) = Selection.run(instructions: ["q"], judged: judged, generatorOrder: ["a"])
        XCTAssertEqual(selected.map(\.response.candidate.text), ["x"])
        XCTAssertEqual(stats.unscored, 0)
    }

    func testPromptJudgeParsesScoresAndRetriesOnce() throws {
        XCTAssertEqual(PromptJudge.parseScore("Good answer. Score: 4"), 4)
        XCTAssertEqual(PromptJudge.parseScore("score=5/5"), 5)
        XCTAssertEqual(PromptJudge.parseScore("**Score:** 3.5"), 3.5)
        XCTAssertEqual(PromptJudge.parseScore("Score: 2 ... final Score: 4"), 4)
        XCTAssertNil(PromptJudge.parseScore("Score: 9"))
        XCTAssertNil(PromptJudge.parseScore("I like it"))
        XCTAssertNil(PromptJudge.parseScore("Score: 0"))
        let model = ScriptedLanguageModel(identifier: "judge", reply: { prompt, options in
            guard case let .chat(messages) = prompt else { return Completion(text: "", finishReason: .stop) }
            let wantsRetry = messages[0].content.contains("[Response]\nbad")
            if wantsRetry { return Completion(text: options.temperature > 0 ? "still no" : "hmm", finishReason: .stop) }
            return Completion(text: "Fine. Score: \(messages[0].content.contains("great") ? 5 : 2)", finishReason: .stop)
        })
        let judge = PromptJudge(name: "p", model: model)
        let verdicts = try judge.score([JudgeInput(instruction: "q", response: "great"), JudgeInput(instruction: "q", response: "bad"),
                                        JudgeInput(instruction: "q", response: "meh")], progress: nil)
        XCTAssertEqual(verdicts.map(\.score), [5, nil, 2])
        XCTAssertTrue(verdicts[1].raw.contains("--- retry ---"))
        XCTAssertEqual(model.generationRequests.count, 4, "three first tries and one retry")
        XCTAssertTrue(PromptJudge.prompt(for: JudgeInput(instruction: "I", response: "R")).hasSuffix("Score: N\", where N is 1, 2, 3, 4 or 5.\n\n[Instruction]\nI\n\n[Response]\nR"))
    }

    func testLikelihoodJudgeBinsByPoolQuintilesOfPerTokenLogprob() throws {
        // Scripted score: -1 per character, so per-token mean is -1 for all; make it vary per text.
        let model = ScriptedLanguageModel(identifier: "lm", reply: { _, _ in Completion(text: "", finishReason: .stop) },
                                          score: { _, c in -Double(c.count) * Double(Int(c.prefix(2))!) / 10 })
        let responses = (1...10).map { String(format: "%02d", $0) + "xxxxxxxx" }   // mean = -n/10
        let verdicts = try LikelihoodJudge(name: "l", model: model).score(responses.map { JudgeInput(instruction: "q", response: $0) }, progress: nil)
        // Means −0.1 … −1.0 (best first): quintiles put two per level.
        XCTAssertEqual(verdicts.map(\.score), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1])
        let fixed = try LikelihoodJudge(name: "f", model: model, bins: .fixed([-0.75, -0.55, -0.35, -0.15]))
            .score(responses.map { JudgeInput(instruction: "q", response: $0) }, progress: nil)
        XCTAssertEqual(fixed.map(\.score), [5, 4, 4, 3, 3, 2, 2, 1, 1, 1])
    }

    func testLikelihoodJudgeScoresAnEmptyResponseLowestWithoutAskingTheModel() throws {
        // A weak generator can end its turn at once; an engine refuses an empty continuation.
        let model = ScriptedLanguageModel(identifier: "lm", reply: { _, _ in Completion(text: "", finishReason: .stop) },
                                          score: { _, c in
                                              precondition(!c.isEmpty, "an empty continuation reached the model")
                                              return -Double(c.count) * Double(Int(c.prefix(2))!) / 10 })
        let responses = (1...10).map { String(format: "%02d", $0) + "xxxxxxxx" }
        let inputs = ([""] + responses.prefix(5) + [""] + responses.suffix(5)).map { JudgeInput(instruction: "q", response: $0) }
        let verdicts = try LikelihoodJudge(name: "l", model: model).score(inputs, progress: nil)
        // The ten non-empty ones are binned among themselves, exactly as without the empty ones.
        XCTAssertEqual(verdicts.map(\.score), [1, 5, 5, 4, 4, 3, 1, 3, 2, 2, 1, 1])
        XCTAssertEqual(verdicts[0].raw, "empty response")
        XCTAssertEqual(model.loglikelihoodRequests.flatMap(\.continuations).count, 10)
        let onlyEmpty = try LikelihoodJudge(name: "l", model: model).score([JudgeInput(instruction: "q", response: "")], progress: nil)
        XCTAssertEqual(onlyEmpty.map(\.score), [1])
    }

    func testMixingRatiosAreExactAndDeterministic() throws {
        let domain = (0..<170).map { Conversation(messages: [.user("d\($0)"), .assistant("x")], source: "domain") }
        let general = (0..<500).map { Conversation(messages: [.user("g\($0)"), .assistant("y")], source: "general") }
        let (mix, stats) = try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.83, seed: 1))
        XCTAssertEqual(stats.total, 1000)
        XCTAssertEqual(mix.filter { $0.source == "general" }.count, 830)
        XCTAssertEqual(mix.filter { $0.source == "domain" }.count, 170)
        XCTAssertEqual(Set(mix.filter { $0.source == "domain" }).count, 170, "every domain conversation used once")
        XCTAssertEqual(stats.generalDistinct, 500, "the smaller general set is repeated in fresh shuffles")
        let again = try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.83, seed: 1)).conversations
        XCTAssertEqual(mix, again)
        let otherSeed = try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.83, seed: 2)).conversations
        XCTAssertNotEqual(mix, otherSeed)
        let sized = try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.5, total: 101, seed: 1))
        XCTAssertEqual([sized.stats.general, sized.stats.domain, sized.conversations.count], [51, 50, 101])
        let domainOnly = try Mixing.run(domain: domain, general: nil, config: .init(seed: 1))
        XCTAssertEqual(Set(domainOnly.conversations), Set(domain))
        // With a total, domain-only gets exactly the domain examples the mixes of that seed get.
        let sizedDomainOnly = try Mixing.run(domain: domain, general: nil, config: .init(generalShare: 0.5, total: 101, seed: 1))
        XCTAssertEqual(sizedDomainOnly.conversations.count, 50)
        XCTAssertEqual(Set(sizedDomainOnly.conversations), Set(sized.conversations.filter { $0.source == "domain" }))
        // The equal-steps control: the domain set repeated to the whole total, its first pass the
        // same examples domain-only gets.
        let filled = try Mixing.run(domain: domain, general: nil, config: .init(generalShare: 0.5, total: 101, seed: 1, domainFillsTotal: true))
        XCTAssertEqual([filled.conversations.count, filled.stats.domain, filled.stats.domainDistinct], [101, 101, 101 > domain.count ? domain.count : 101])
        XCTAssertTrue(filled.conversations.allSatisfy { $0.source == "domain" })
        let filledAll = try Mixing.run(domain: domain, general: nil, config: .init(generalShare: 0.83, seed: 1, domainFillsTotal: true))
        XCTAssertEqual(filledAll.conversations.count, 1000, "170 / (1 − 0.83): as many as a mix of this seed")
        XCTAssertEqual(Set(filledAll.conversations), Set(domain), "every domain conversation, repeated")
        XCTAssertEqual(Dictionary(grouping: filledAll.conversations, by: { $0 }).values.map(\.count).max(), 6, "⌈1000 / 170⌉ passes")
        // The flag is not encoded when false, so stage hashes of older stores stay valid.
        let plain = String(decoding: try JSONEncoder().encode(Mixing.Config(seed: 1)), as: UTF8.self)
        XCTAssertFalse(plain.contains("domainFillsTotal"))
        XCTAssertThrowsError(try Mixing.run(domain: [], general: general, config: .init(seed: 1)))
        XCTAssertThrowsError(try Mixing.run(domain: domain, general: general, config: .init(generalShare: 1, seed: 1)))
    }

    func testInterleavedMixSpreadsTheDomainEvenly() throws {
        let domain = (0..<170).map { Conversation(messages: [.user("d\($0)"), .assistant("x")], source: "domain") }
        let general = (0..<500).map { Conversation(messages: [.user("g\($0)"), .assistant("y")], source: "general") }
        let shuffled = try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.83, seed: 1)).conversations
        let (mix, stats) = try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.83, seed: 1, interleave: true))
        // The same examples as the shuffled mix of this seed, in another order.
        XCTAssertEqual(stats.total, 1000)
        XCTAssertEqual(mix.map(\.messages[0].content).sorted(), shuffled.map(\.messages[0].content).sorted())
        // After every prefix of n, the domain count is round(n · 170 / 1000): never more than half off.
        var seen = 0
        for (i, c) in mix.enumerated() {
            if c.source == "domain" { seen += 1 }
            XCTAssertLessThanOrEqual(abs(Double(seen) - Double(i + 1) * 0.17), 0.5 + 1e-9, "prefix \(i + 1)")
        }
        // Every window of 100 holds 17 domain examples, give or take one; a shuffle does not.
        func windowCounts(_ m: [Conversation]) -> [Int] {
            stride(from: 0, to: 1000, by: 100).map { s in m[s..<(s + 100)].filter { $0.source == "domain" }.count }
        }
        XCTAssertTrue(windowCounts(mix).allSatisfy { (16...18).contains($0) }, "\(windowCounts(mix))")
        XCTAssertFalse(windowCounts(shuffled).allSatisfy { (16...18).contains($0) }, "\(windowCounts(shuffled))")
        XCTAssertEqual(mix, try Mixing.run(domain: domain, general: general, config: .init(generalShare: 0.83, seed: 1, interleave: true)).conversations)
        // Domain-only mixes have nothing to interleave with; the flag is not encoded when false.
        XCTAssertEqual(try Mixing.run(domain: domain, general: nil, config: .init(seed: 1, interleave: true)).conversations,
                       try Mixing.run(domain: domain, general: nil, config: .init(seed: 1)).conversations)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(Mixing.Config(seed: 1)), as: UTF8.self).contains("interleave"))
        XCTAssertEqual(Mixing.interleaved([1, 2, 3], [Int]()), [1, 2, 3])
        XCTAssertEqual(Mixing.interleaved([Int](), [7, 8]), [7, 8])
        XCTAssertEqual(Mixing.interleaved([1, 2, 3, 4, 5, 6], [7, 8]), [1, 7, 2, 3, 4, 8, 5, 6])
    }

    struct ExactChecker: AnswerChecker {
        func check(_ item: GenerativeItem, reply: String) throws -> AnswerCheck {
            AnswerCheck(flexible: reply.contains(item.answer), strict: reply == item.answer, extracted: reply.contains(item.answer) ? item.answer : nil)
        }
    }

    func testEvaluationScoresAccAndAccNormAndGenerative() throws {
        // Log-likelihood = −(characters): the shortest choice has the highest sum, but per
        // character every choice ties, except where we make the long one better.
        let model = ScriptedLanguageModel(identifier: "lm", reply: { prompt, _ in
            guard case let .chat(m) = prompt else { return Completion(text: "", finishReason: .stop) }
            return Completion(text: m[0].content == "2+2" ? "The answer is 4" : "5", finishReason: .stop)
        }, score: { _, c in c == "a long right answer" ? -10 : -Double(c.count) })
        let mc = [MultipleChoiceItem(id: "m1", family: "f", kind: .general, question: "q", choices: ["ab", "a long right answer", "abc", "abcd"], answerIndex: 1)]
        let gen = [GenerativeItem(id: "g1", family: "f", kind: .general, question: "2+2", answer: "4"),
                   GenerativeItem(id: "g2", family: "f", kind: .general, question: "2+3", answer: "5")]
        let out = try Evaluation.run(model: model, multipleChoice: mc, generative: gen, checker: ExactChecker(), maxTokens: 8)
        XCTAssertEqual(out.multipleChoice[0].chosen, 0)          // −2 beats −10
        XCTAssertEqual(out.multipleChoice[0].chosenNorm, 1)      // −10/19 beats −1 per character
        XCTAssertEqual([out.mcAccuracy, out.mcNormAccuracy], [0, 1])
        XCTAssertEqual(out.generative.map(\.correct), [true, true])
        XCTAssertEqual(out.generative.map(\.correctStrict), [false, true])
        XCTAssertEqual(model.loglikelihoodRequests.count, 1, "one request (one context) per item")
        XCTAssertEqual(model.generationRequests.map(\.1.temperature), [0, 0])
    }
}
