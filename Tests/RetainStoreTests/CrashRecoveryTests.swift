import Foundation
import RetainCore
import XCTest
@testable import RetainStore

/// Kills a real process in the middle of `complete` (after its inserts, before the commit) and
/// checks that the database recovers to the last committed state and resumes to the same result
/// as an uninterrupted run.
final class CrashRecoveryTests: StoreTestCase {
    /// When set, this test runs as the child process: it opens the database at this path and
    /// SIGKILLs itself inside `complete`.
    private static let childEnvironmentKey = "RETAIN_STORE_KILL_INSIDE_COMPLETE"

    private func prepare(_ store: ExperimentStore) throws {
        let id = try store.upsertExperiment(name: "exp", specHash: "h", specText: "spec")
        try store.setArms(experimentID: id, [ArmRecord(name: "retain", configJSON: "{}")])
        try store.setSeeds(experimentID: id, [1])
        try store.markRunning(hash: "gen", kind: "generate", configJSON: "{}", inputsJSON: "[]", codeVersion: 1)
        try store.complete(hash: "gen", wallSeconds: 5) { try $0.insertInstructions(["q1", "q2"]) }
        try store.markRunning(hash: "eval", kind: "evaluate", configJSON: "{}", inputsJSON: #"["gen"]"#, codeVersion: 1)
    }

    private func finish(_ store: ExperimentStore) throws {
        try store.complete(hash: "eval", wallSeconds: 7) { try Fixture.writeAll($0, stage: "eval") }
        let id = try XCTUnwrap(try store.experiment(named: "exp")).id
        try store.linkArmResult(experimentID: id, ArmResultRecord(arm: "retain", seed: 1, benchmark: "facts", kind: .general, evalHash: "eval"))
    }

    func testProcessKilledInsideCompleteLeavesNothingAndResumesToTheUninterruptedResult() throws {
        if let path = ProcessInfo.processInfo.environment[Self.childEnvironmentKey] {
            let store = try ExperimentStore(path: path)
            try store.complete(hash: "eval", wallSeconds: 1) { w in
                try Fixture.writeAll(w, stage: "eval")
                XCTAssertEqual(try store.instructions(stage: "eval").count, 2, "rows are in the open transaction")
                kill(getpid(), SIGKILL)
            }
            return XCTFail("the child should have been killed")
        }
        #if !os(Linux)
        throw XCTSkip("re-executes the test binary through /proc/self/exe")
        #else
        let crashed = try ExperimentStore(path: dbPath("crashed.sqlite"))
        try prepare(crashed)

        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["RetainStoreTests.CrashRecoveryTests/testProcessKilledInsideCompleteLeavesNothingAndResumesToTheUninterruptedResult"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childEnvironmentKey: dbPath("crashed.sqlite")]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal, "the child must die by SIGKILL inside complete()")
        XCTAssertEqual(child.terminationStatus, SIGKILL)

        let reopened = try ExperimentStore(path: dbPath("crashed.sqlite"))
        let counts = try reopened.tableCounts()
        for table in ["responses", "judgments", "datasets", "examples", "models", "predictions"] {
            XCTAssertEqual(counts[table], 0, "\(table) has rows from the killed transaction")
        }
        XCTAssertEqual(try reopened.instructions(stage: "gen"), ["q1", "q2"], "earlier commits survive")
        XCTAssertEqual(try reopened.instructions(stage: "eval"), [])
        XCTAssertEqual(try reopened.stageRun(hash: "eval")?.status, .running)

        // Resume: the stale 'running' attempt is reset and completed.
        XCTAssertEqual(try reopened.markRunning(hash: "eval", kind: "evaluate", configJSON: "{}", inputsJSON: #"["gen"]"#, codeVersion: 1), 2)
        try finish(reopened)

        let uninterrupted = try ExperimentStore(path: dbPath("uninterrupted.sqlite"))
        try prepare(uninterrupted)
        try finish(uninterrupted)
        XCTAssertEqual(try reopened.tableCounts(), try uninterrupted.tableCounts())
        let dump = try reopened.dumpOutputs()
        XCTAssertEqual(dump, try uninterrupted.dumpOutputs())
        XCTAssertTrue(dump.contains(#"prediction stage_hash="eval" benchmark="facts" item_id="f-1" variant="mc" correct=1 correct_norm=0"#), dump)
        XCTAssertFalse(dump.contains("wall_seconds") || dump.contains("attempts") || dump.contains("_at="), "no timings in the dump")
        XCTAssertEqual(try reopened.stageRun(hash: "eval")?.attempts, 2)
        XCTAssertEqual(try uninterrupted.stageRun(hash: "eval")?.attempts, 1)
        #endif
    }
}
