import Foundation
import RetainCore
import XCTest
@testable import RetainStore

/// Base class: a fresh temporary directory per test, removed afterwards.
class StoreTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("retain-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func dbPath(_ name: String = "retain.sqlite") -> String { directory.appendingPathComponent(name).path }

    /// Runs `body`, asserts it throws a `StoreError`, and returns that error.
    func storeError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> StoreError? {
        do {
            _ = try body()
            XCTFail("expected a StoreError, got success", file: file, line: line)
        } catch let error as StoreError {
            return error
        } catch {
            XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        }
        return nil
    }
}

/// A small, fully deterministic set of stage outputs used by several tests.
enum Fixture {
    static let conversations = [
        Conversation(messages: [.system("Be brief."), .user("What is 2+2?"), .assistant("4")], family: "arith", source: "original"),
        Conversation(messages: [.user("Capital of Velora? \"quoted\" / slash"), .assistant("Velmont 🏔️")], family: nil, source: "domain"),
    ]

    static let responses = [
        ResponseRecord(instructionIndex: 0, responseIndex: 0, generator: "base", sampleIndex: 0, text: "four", finishReason: "stop"),
        ResponseRecord(instructionIndex: 0, responseIndex: 1, generator: "base", sampleIndex: 1, text: "4", finishReason: "length"),
        ResponseRecord(instructionIndex: 1, responseIndex: 0, generator: "released", sampleIndex: 0, text: "Velmont", finishReason: "stop"),
    ]

    static let judgments = [
        JudgmentRecord(instructionIndex: 0, responseIndex: 0, judge: "j1", score: 7.5, raw: "Score: 7.5"),
        JudgmentRecord(instructionIndex: 0, responseIndex: 1, judge: "j1", score: nil, raw: "no idea"),
    ]

    static let predictions = [
        PredictionRecord(benchmark: "facts", itemID: "f-1", variant: .mc, correct: true, correctNorm: false,
                         extracted: nil, outputJSON: #"{"logprobs":[-1.5,-2.25]}"#),
        PredictionRecord(benchmark: "facts", itemID: "f-1", variant: .gen, correct: false, correctNorm: nil,
                         extracted: "Velmont", outputJSON: #"{"text":"It is Velmont."}"#),
    ]

    static let model = ModelRecord(hash: "model-1", identifier: "llama-tiny@abc", checkpointPath: "/tmp/ckpt", checkpointHash: "ffee")

    /// Writes every kind of output for `stage`.
    static func writeAll(_ w: StageOutputWriter, stage: String) throws {
        try w.insertInstructions(["What is 2+2?", "Capital of Velora?"])
        try w.insertResponses(responses)
        try w.insertJudgments(judgments)
        try w.insertDataset(hash: "ds-\(stage)", name: "sft", examples: [
            DatasetExample(conversation: conversations[0], metaJSON: #"{"kept":true}"#),
            DatasetExample(conversation: conversations[1]),
        ])
        try w.insertModel(ModelRecord(hash: "model-\(stage)", identifier: model.identifier,
                                      checkpointPath: model.checkpointPath, checkpointHash: model.checkpointHash))
        try w.insertPredictions(predictions)
    }
}
