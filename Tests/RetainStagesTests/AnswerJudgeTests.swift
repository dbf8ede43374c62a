import RetainCore
import RetainStages
import RetainTestSupport
import XCTest

/// The judges that look at answers without an oracle: the consensus judge and its extractor, and
/// the checking prompt judge.
final class AnswerJudgeTests: XCTestCase {
    func testGenericExtractorTakesTheMarkedAnswerElseTheLastNumberElseTheLastLine() {
        let x = GenericAnswerExtractor()
        XCTAssertEqual(x.answer(in: "The answer is 42."), "42")
        XCTAssertEqual(x.answer(in: "Let me think: 3 + 4 = 7. Answer: 7"), "7")
        XCTAssertEqual(x.answer(in: "answer is 12, but the final answer: **Paris**."), "paris", "the last marker counts")
        XCTAssertEqual(x.answer(in: "The answer is 5. Let me know if you need more."), "5", "up to the end of the sentence")
        XCTAssertEqual(x.answer(in: "Answer:\n042"), "42", "an empty marked answer falls back to the last number")
        XCTAssertEqual(x.answer(in: "It costs 3.50 dollars"), "3.5")
        XCTAssertEqual(x.answer(in: "from 10 down to -3"), "-3")
        XCTAssertEqual(x.answer(in: "item-3"), "3", "a hyphen after a letter is not a minus")
        XCTAssertEqual(x.answer(in: "Answer: 3, 5, 9"), "3, 5, 9")
        XCTAssertEqual(x.answer(in: "Sure!\n  The capital is   Velora!  \n\n"), "the capital is velora")
        XCTAssertNil(x.answer(in: ""))
        XCTAssertNil(x.answer(in: " ... \n !"))
        XCTAssertEqual(x.identifier, "generic-answer/v1")
    }

    func testConsensusScoresByTheMajorityShare() {
        func scores(_ answers: [String?]) -> [Double?] { ConsensusJudge.scores(answers).map(\.score) }
        // 3 of 6 say 7: 1 + 4 · 3/6 = 3; the others, and a response without an answer, score 1.
        XCTAssertEqual(scores(["7", "7", "8", nil, "7", "9"]), [3, 3, 1, 1, 3, 1])
        // Unanimous: 5.
        XCTAssertEqual(scores(["a", "a", "a"]), [5, 5, 5])
        // A tie at the top: both answers are the majority and score alike, whatever the order.
        XCTAssertEqual(scores(["x", "y", "y", "x", "z"]), [2.6, 2.6, 2.6, 2.6, 1])
        XCTAssertEqual(scores(["y", "x", "z", "x", "y"]), [2.6, 2.6, 1, 2.6, 2.6])
        // No agreement at all: every answer ties at one vote, above a response with none.
        XCTAssertEqual(scores(["p", "q", nil, "r"]), [2, 2, 1, 2])
        // Nothing extractable: all 1, and the judge never abstains.
        XCTAssertEqual(scores([nil, nil]), [1, 1])
        XCTAssertEqual(scores(["only"]), [5])
        XCTAssertEqual(ConsensusJudge.scores(["7", "8", "7"]).map(\.raw), ["2/3 majority: 7", "1/3 minority: 8", "2/3 majority: 7"])
    }

    func testConsensusJudgeGroupsTheFlatListByInstruction() throws {
        // Two instructions interleaved, as Judging hands them over (every candidate of every
        // instruction at once); different phrasings of one answer agree through the extractor.
        let inputs = [("q1", "The answer is 4."), ("q2", "Answer: 10"), ("q1", "4"), ("q2", "I think 11"),
                      ("q1", "Answer: 5"), ("q2", "no idea"), ("q1", "It is 4!")]
            .map { JudgeInput(instruction: $0.0, response: $0.1) }
        var progressed: [Int] = []
        let judge = ConsensusJudge()
        let verdicts = try judge.score(inputs, progress: { progressed.append($0) })
        // q1: 4 has 3 of 4 votes → 4; q2: 10 and 11 tie at 1 of 3 → 1 + 4/3, "no idea" has no number
        // and becomes its own answer (the last line), also 1 of 3.
        let third: Double = 1 + 4.0 / 3
        XCTAssertEqual(verdicts.map(\.score), [4, third, 4, third, 1, third, 4])
        XCTAssertEqual(progressed.last, inputs.count)
        XCTAssertEqual(judge.name, "consensus")
        XCTAssertEqual(judge.identifier, "consensus-judge/v1|generic-answer/v1")

        // The identifier follows the extractor (it feeds stage hashes).
        struct LengthParity: FinalAnswerExtractor {
            var identifier: String { "length-parity/v1" }
            func answer(in response: String) -> String? { String(response.count % 2) }
        }
        let other = ConsensusJudge(extractor: LengthParity())
        XCTAssertEqual(other.identifier, "consensus-judge/v1|length-parity/v1")
        // q1: lengths 16, 1, 9, 8 tie 2:2 → 3 each; q2: 10, 10, 7 → 2 of 3 even.
        let twoThirds: Double = 1 + 8.0 / 3
        XCTAssertEqual(try other.score(inputs, progress: nil).map(\.score), [3, twoThirds, 3, twoThirds, 3, 1, 3])
    }

    func testCheckJudgeParsesVerdicts() {
        XCTAssertEqual(CheckJudge.parseVerdict("The sum is right. Verdict: correct"), 5)
        XCTAssertEqual(CheckJudge.parseVerdict("verdict=INCORRECT."), 1)
        XCTAssertEqual(CheckJudge.parseVerdict("**Verdict:** correct"), 5)
        XCTAssertEqual(CheckJudge.parseVerdict("Verdict: incorrect ... on reflection, Verdict: correct"), 5, "the last verdict counts")
        XCTAssertEqual(CheckJudge.parseVerdict("Verdict: correct\nVerdict: incorrect"), 1)
        XCTAssertNil(CheckJudge.parseVerdict("Verdict: correctly stated"), "a whole word only")
        XCTAssertNil(CheckJudge.parseVerdict("Verdict: maybe"))
        XCTAssertNil(CheckJudge.parseVerdict("The answer is correct."), "no verdict keyword")
        XCTAssertNil(CheckJudge.parseVerdict("Score: 5"))
        XCTAssertNil(CheckJudge.parseVerdict(""))
    }

    func testCheckJudgeRetriesOnceThenAbstains() throws {
        let model = ScriptedLanguageModel(identifier: "checker", reply: { prompt, options in
            guard case let .chat(messages) = prompt else { return Completion(text: "", finishReason: .stop) }
            let text = messages[0].content
            if text.contains("[Response]\nmumble") { return Completion(text: "Hmm.", finishReason: .stop) }
            // Unparseable when greedy, parseable when sampled: the retry rescues it.
            if text.contains("[Response]\nshy") {
                return Completion(text: options.temperature > 0 ? "Verdict: incorrect" : "not sure", finishReason: .stop)
            }
            return Completion(text: "Verdict: \(text.contains("[Response]\n4") ? "correct" : "incorrect")", finishReason: .stop)
        })
        let judge = CheckJudge(name: "check:m", model: model, seed: 3)
        let verdicts = try judge.score(["4", "5", "mumble", "shy"].map { JudgeInput(instruction: "Add 2 and 2.", response: $0) }, progress: nil)
        XCTAssertEqual(verdicts.map(\.score), [5, 1, nil, 1])
        XCTAssertEqual(verdicts[2].raw, "Hmm.\n--- retry ---\nHmm.")
        XCTAssertEqual(model.generationRequests.count, 6, "four first tries and two retries")
        XCTAssertTrue(CheckJudge.prompt(for: JudgeInput(instruction: "I", response: "R"))
            .hasSuffix("\"Verdict: incorrect\" if it is wrong or missing.\n\n[Instruction]\nI\n\n[Response]\nR"))
        XCTAssertTrue(judge.identifier.hasPrefix("check-judge/v1|checker|48|3|"))
        XCTAssertNotEqual(judge.identifier, PromptJudge(name: "p", model: model, seed: 3).identifier)
    }
}
