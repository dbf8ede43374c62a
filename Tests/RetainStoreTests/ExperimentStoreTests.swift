import Foundation
import RetainCore
import XCTest
@testable import RetainStore

final class ExperimentStoreTests: StoreTestCase {
    private let outputTables = ["instructions", "responses", "judgments", "datasets", "examples", "models", "predictions"]

    private func outputRowCount(_ store: ExperimentStore) throws -> Int {
        let counts = try store.tableCounts()
        return outputTables.reduce(0) { $0 + counts[$1]! }
    }

    func testExperimentsArmsAndSeeds() throws {
        let store = try ExperimentStore(path: dbPath())
        let id = try store.upsertExperiment(name: "forgetting", specHash: "h1", specText: "arms: [a]")
        let first = try XCTUnwrap(try store.experiment(named: "forgetting"))
        XCTAssertEqual(first.id, id)
        XCTAssertEqual(first.createdAt, first.updatedAt)

        XCTAssertEqual(try store.upsertExperiment(name: "forgetting", specHash: "h1", specText: "arms: [a]"), id)
        XCTAssertEqual(try store.experiment(named: "forgetting"), first, "same spec: nothing changes")
        Thread.sleep(forTimeInterval: 0.002)
        XCTAssertEqual(try store.upsertExperiment(name: "forgetting", specHash: "h2", specText: "arms: [a, b]"), id)
        let second = try XCTUnwrap(try store.experiment(named: "forgetting"))
        XCTAssertEqual(second.specHash, "h2")
        XCTAssertEqual(second.specText, "arms: [a, b]")
        XCTAssertEqual(second.createdAt, first.createdAt)
        XCTAssertGreaterThan(second.updatedAt, first.updatedAt)
        XCTAssertNil(try store.experiment(named: "other"))
        let otherID = try store.upsertExperiment(name: "other", specHash: "x", specText: "y")
        XCTAssertNotEqual(otherID, id)
        XCTAssertEqual(try store.experiments().map(\.name), ["forgetting", "other"])

        try store.setArms(experimentID: id, [(name: "sft", configJSON: "{}"), (name: "retain", configJSON: #"{"k":1}"#),
                                             (name: "base", configJSON: "{}")])
        XCTAssertEqual(try store.arms(experimentID: id).map(\.name), ["sft", "retain", "base"], "spec order")
        try store.setArms(experimentID: id, [ArmRecord(name: "retain", configJSON: #"{"k":2}"#), ArmRecord(name: "sft", configJSON: "{}")])
        XCTAssertEqual(try store.arms(experimentID: id), [ArmRecord(name: "retain", configJSON: #"{"k":2}"#), ArmRecord(name: "sft", configJSON: "{}")])
        XCTAssertEqual(try store.arms(experimentID: otherID), [])
        XCTAssertEqual(storeError(try store.setArms(experimentID: id, [ArmRecord(name: "a", configJSON: "{}"), ArmRecord(name: "a", configJSON: "{}")])),
                       .invalidData("duplicate arm names in [\"a\", \"a\"]"))

        try store.setSeeds(experimentID: id, [3, 1, 2, 1])
        XCTAssertEqual(try store.seeds(experimentID: id), [1, 2, 3])
        try store.setSeeds(experimentID: id, [2, 7])
        XCTAssertEqual(try store.seeds(experimentID: id), [2, 7])
        try store.setSeeds(experimentID: otherID, [UInt64.max])
        XCTAssertEqual(try store.seeds(experimentID: otherID), [UInt64.max])

        // Arms of an unknown experiment violate the foreign key.
        let fk = try XCTUnwrap(storeError(try store.setArms(experimentID: 12345, [ArmRecord(name: "a", configJSON: "{}")])))
        XCTAssertTrue(fk.description.contains("FOREIGN KEY constraint failed"), fk.description)
    }

    func testCompletedStageOutputsRoundTrip() throws {
        let store = try ExperimentStore(path: dbPath())
        XCTAssertNil(try store.stageRun(hash: "s1"))
        XCTAssertEqual(try store.markRunning(hash: "s1", kind: "generate", configJSON: #"{"t":0}"#, inputsJSON: "[]", codeVersion: 3), 1)
        let running = try XCTUnwrap(try store.stageRun(hash: "s1"))
        XCTAssertEqual(running.status, .running)
        XCTAssertEqual(running.attempts, 1)
        XCTAssertNotNil(running.startedAt)
        XCTAssertNil(running.finishedAt)

        try store.complete(hash: "s1", wallSeconds: 1.25, statsJSON: #"{"tokens":10}"#) { try Fixture.writeAll($0, stage: "s1") }

        let done = try XCTUnwrap(try store.stageRun(hash: "s1"))
        XCTAssertEqual(done.status, .done)
        XCTAssertEqual(done.kind, "generate")
        XCTAssertEqual(done.codeVersion, 3)
        XCTAssertEqual(done.wallSeconds, 1.25)
        XCTAssertEqual(done.statsJSON, #"{"tokens":10}"#)
        XCTAssertNotNil(done.finishedAt)
        XCTAssertEqual(try store.stageRuns(status: .done).map(\.hash), ["s1"])
        XCTAssertEqual(try store.stageRuns(status: .running), [])
        XCTAssertEqual(try store.stageRuns().map(\.hash), ["s1"])

        XCTAssertEqual(try store.instructions(stage: "s1"), ["What is 2+2?", "Capital of Velora?"])
        XCTAssertEqual(try store.responses(stage: "s1"), Fixture.responses)
        XCTAssertEqual(try store.judgments(stage: "s1"), Fixture.judgments)
        XCTAssertEqual(try store.dataset(hash: "ds-s1"), Fixture.conversations)
        XCTAssertEqual(try store.datasetExamples(hash: "ds-s1")?.map(\.metaJSON), [#"{"kept":true}"#, nil])
        XCTAssertEqual(try store.datasets(stage: "s1"), [DatasetRecord(hash: "ds-s1", stageHash: "s1", name: "sft", count: 2)])
        XCTAssertNil(try store.dataset(hash: "nope"))
        XCTAssertEqual(try store.model(hash: "model-s1")?.checkpointHash, "ffee")
        XCTAssertEqual(try store.models(stage: "s1").map(\.hash), ["model-s1"])
        XCTAssertEqual(try store.predictions(stage: "s1"), Fixture.predictions.sorted { $0.variant.rawValue < $1.variant.rawValue })
        XCTAssertEqual(try store.instructions(stage: "other"), [])

        // Conversations are stored as canonical JSON, with family/source copied into columns.
        let row = try XCTUnwrap(try store.database.query("SELECT * FROM examples WHERE dataset_hash = ? AND idx = 1", "ds-s1").first)
        XCTAssertEqual(try row.get("conversation_json", as: String.self),
                       #"{"messages":[{"content":"Capital of Velora? \"quoted\" / slash","role":"user"},{"content":"Velmont 🏔️","role":"assistant"}],"source":"domain"}"#)
        XCTAssertEqual(try row.get("family", as: String?.self), nil)
        XCTAssertEqual(try row.get("source", as: String?.self), "domain")

        // A done run is not restarted by accident; forcing clears its outputs.
        let restart = try XCTUnwrap(storeError(try store.markRunning(hash: "s1", kind: "generate", configJSON: "{}", inputsJSON: "[]", codeVersion: 3)))
        XCTAssertEqual(restart, .invalidStageStatus(hash: "s1", status: "done", operation: "restart"))
        XCTAssertEqual(storeError(try store.markFailed(hash: "s1", error: "x")),
                       .invalidStageStatus(hash: "s1", status: "done", operation: "mark failed"))
        XCTAssertEqual(try store.markRunning(hash: "s1", kind: "generate", configJSON: "{}", inputsJSON: "[]", codeVersion: 4, force: true), 2)
        XCTAssertEqual(try outputRowCount(store), 0)
        XCTAssertEqual(try store.stageRun(hash: "s1")?.wallSeconds, nil)
    }

    func testCompleteIsAtomicWhenTheWriterThrowsHalfway() throws {
        let store = try ExperimentStore(path: dbPath())
        try store.markRunning(hash: "s1", kind: "k", configJSON: "{}", inputsJSON: "[]", codeVersion: 1)
        struct Interrupted: Error {}
        XCTAssertThrowsError(try store.complete(hash: "s1", wallSeconds: 1) { w in
            try w.insertInstructions(["a", "b"])
            try w.insertDataset(hash: "ds", name: "n", conversations: Fixture.conversations)
            try w.insertPredictions(Fixture.predictions)
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try outputRowCount(store), 0)
        XCTAssertEqual(try store.stageRun(hash: "s1")?.status, .running)
        XCTAssertEqual(try store.stageRun(hash: "s1")?.finishedAt, nil)

        // A constraint violation inside the writer (duplicate prediction) also leaves nothing.
        let dup = try XCTUnwrap(storeError(try store.complete(hash: "s1", wallSeconds: 1) { w in
            try w.insertInstructions(["a"])
            try w.insertPredictions([Fixture.predictions[0], Fixture.predictions[0]])
        }))
        XCTAssertTrue(dup.description.contains("UNIQUE constraint failed: predictions"), dup.description)
        XCTAssertEqual(try outputRowCount(store), 0)

        // The writer refuses use after complete() returns.
        var escaped: StageOutputWriter?
        try store.complete(hash: "s1", wallSeconds: 2) { w in
            escaped = w
            try w.insertInstructions(["a", "b"])
        }
        XCTAssertEqual(try store.instructions(stage: "s1"), ["a", "b"])
        XCTAssertNotNil(storeError(try escaped!.insertInstructions(["late"])))
        XCTAssertEqual(try store.instructions(stage: "s1"), ["a", "b"])
        XCTAssertEqual(storeError(try store.complete(hash: "s1", wallSeconds: 1) { _ in }),
                       .invalidStageStatus(hash: "s1", status: "done", operation: "complete"))
        XCTAssertEqual(storeError(try store.complete(hash: "unknown", wallSeconds: 1) { _ in }), .stageNotFound(hash: "unknown"))
    }

    func testCrashAfterMarkRunningIsResetOnTheNextAttempt() throws {
        do {
            let store = try ExperimentStore(path: dbPath())
            try store.markRunning(hash: "s1", kind: "train", configJSON: #"{"v":1}"#, inputsJSON: "[]", codeVersion: 1)
        }  // the "process" goes away without completing
        let store = try ExperimentStore(path: dbPath())
        XCTAssertEqual(try store.stageRuns(status: .running).map(\.hash), ["s1"])
        XCTAssertEqual(try store.markRunning(hash: "s1", kind: "train", configJSON: #"{"v":2}"#, inputsJSON: "[]", codeVersion: 2), 2)
        let reset = try XCTUnwrap(try store.stageRun(hash: "s1"))
        XCTAssertEqual(reset.attempts, 2)
        XCTAssertEqual(reset.configJSON, #"{"v":2}"#)
        XCTAssertEqual(reset.codeVersion, 2)
        try store.complete(hash: "s1", wallSeconds: 3) { try Fixture.writeAll($0, stage: "s1") }

        let reference = try ExperimentStore(path: dbPath("reference.sqlite"))
        try reference.markRunning(hash: "s1", kind: "train", configJSON: #"{"v":2}"#, inputsJSON: "[]", codeVersion: 2)
        try reference.complete(hash: "s1", wallSeconds: 9) { try Fixture.writeAll($0, stage: "s1") }
        XCTAssertEqual(try store.tableCounts(), try reference.tableCounts(), "no duplicate rows")
        XCTAssertEqual(try store.dumpOutputs(), try reference.dumpOutputs())
    }

    func testFailedRunIsRetriedWithItsErrorCleared() throws {
        let store = try ExperimentStore(path: dbPath())
        XCTAssertEqual(storeError(try store.markFailed(hash: "nope", error: "x")), .stageNotFound(hash: "nope"))
        try store.markRunning(hash: "s1", kind: "k", configJSON: "{}", inputsJSON: "[]", codeVersion: 1)
        try store.markFailed(hash: "s1", error: "judge timed out: 'quoted'")
        let failed = try XCTUnwrap(try store.stageRun(hash: "s1"))
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.error, "judge timed out: 'quoted'")
        XCTAssertEqual(try store.stageRuns(status: .failed).map(\.hash), ["s1"])
        XCTAssertEqual(storeError(try store.complete(hash: "s1", wallSeconds: 1) { _ in }),
                       .invalidStageStatus(hash: "s1", status: "failed", operation: "complete"))

        XCTAssertEqual(try store.markRunning(hash: "s1", kind: "k", configJSON: "{}", inputsJSON: "[]", codeVersion: 1), 2)
        XCTAssertNil(try store.stageRun(hash: "s1")?.error)
        try store.complete(hash: "s1", wallSeconds: 1) { try $0.insertInstructions(["x"]) }
        XCTAssertEqual(try store.stageRun(hash: "s1")?.status, .done)
    }

    func testDatasetAndModelHashesAreWrittenOnce() throws {
        let store = try ExperimentStore(path: dbPath())
        for hash in ["s1", "s2"] { try store.markRunning(hash: hash, kind: "k", configJSON: "{}", inputsJSON: "[]", codeVersion: 1) }
        try store.complete(hash: "s1", wallSeconds: 1) { try Fixture.writeAll($0, stage: "s1") }
        let error = try XCTUnwrap(storeError(try store.complete(hash: "s2", wallSeconds: 1) {
            try $0.insertDataset(hash: "ds-s1", name: "again", conversations: [])
        }))
        XCTAssertEqual(error, .invalidData("dataset ds-s1 already exists (written by stage s1); stage s2 cannot write it again"))
        XCTAssertNotNil(storeError(try store.complete(hash: "s2", wallSeconds: 1) { try $0.insertModel(ModelRecord(
            hash: "model-s1", identifier: "x", checkpointPath: nil, checkpointHash: nil)) }))
        try store.complete(hash: "s2", wallSeconds: 1) {
            try $0.insertDataset(hash: "empty", name: "empty", conversations: [])
            try $0.insertModel(ModelRecord(hash: "remote", identifier: "gpt-x", checkpointPath: nil, checkpointHash: nil))
        }
        XCTAssertEqual(try store.dataset(hash: "empty"), [], "an empty dataset exists and is empty")
        XCTAssertEqual(try store.model(hash: "remote"), ModelRecord(hash: "remote", identifier: "gpt-x", checkpointPath: nil, checkpointHash: nil))
    }

    func testHostileStringsRoundTripThroughTheStore() throws {
        let store = try ExperimentStore(path: dbPath())
        let evil = "'); DROP TABLE experiments; -- \"x\" 🎉 日本 \\ %_"
        let id = try store.upsertExperiment(name: evil, specHash: evil, specText: evil)
        try store.setArms(experimentID: id, [ArmRecord(name: evil, configJSON: evil)])
        try store.markRunning(hash: evil, kind: evil, configJSON: evil, inputsJSON: evil, codeVersion: 1)
        let conversation = Conversation(messages: [.user(evil), .assistant(evil)], family: evil, source: evil)
        try store.complete(hash: evil, wallSeconds: 0, statsJSON: evil) { w in
            try w.insertInstructions([evil])
            try w.insertDataset(hash: evil, name: evil, examples: [DatasetExample(conversation: conversation, metaJSON: evil)])
        }
        XCTAssertEqual(try store.experiment(named: evil)?.specText, evil)
        XCTAssertEqual(try store.arms(experimentID: id), [ArmRecord(name: evil, configJSON: evil)])
        XCTAssertEqual(try store.stageRun(hash: evil)?.statsJSON, evil)
        XCTAssertEqual(try store.instructions(stage: evil), [evil])
        XCTAssertEqual(try store.dataset(hash: evil), [conversation])
        XCTAssertEqual(try store.experiments().count, 1, "the experiments table is intact")
        XCTAssertNil(try store.experiment(named: "%"), "LIKE wildcards are not special in = comparisons")
    }

    func testBenchmarkItemsUpsert() throws {
        let store = try ExperimentStore(path: dbPath())
        let mc = BenchmarkItemRecord(benchmark: "facts", itemID: "1", variant: .mc, kind: .general, family: "geo", payloadJSON: #"{"q":1}"#)
        var gen = BenchmarkItemRecord(benchmark: "facts", itemID: "1", variant: .gen, kind: .general, family: "geo", payloadJSON: #"{"q":2}"#)
        try store.upsertBenchmarkItems([mc, gen])
        gen.payloadJSON = #"{"q":3}"#
        try store.upsertBenchmarkItems([gen, mc])
        XCTAssertEqual(try store.benchmarkItems(benchmark: "facts"), [gen, mc])
        XCTAssertEqual(try store.tableCounts()["benchmark_items"], 2)
    }
}
