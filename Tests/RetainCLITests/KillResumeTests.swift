import Foundation
import RetainStore
import XCTest

/// End to end through the real `retain` binary on the quick world: a run killed with SIGKILL
/// partway through and then resumed ends with exactly the rows of an uninterrupted run, and a
/// rerun does no work.
final class KillResumeTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let spec = """
        experiment: kill-resume
        world: {preset: quick, seed: 1}
        threads: 2
        seeds: [1]
        synthesis: {instructions: 120}
        arms: [instruct, domain-only, reconstructed-mix, one-model-one-response]
        """

    static func binary() throws -> URL {
        for config in ["debug", "release"] {
            let url = Self.packageRoot.appendingPathComponent(".build/\(config)/retain")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(Self.packageRoot.path)/.build/debug/retain: build it first (scripts/test.sh does)"])
    }

    /// Starts retain with stdout and stderr going to `log` (a pipe nobody reads could fill and block it).
    func launch(_ arguments: [String], environment: [String: String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = try Self.binary()
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    func runToCompletion(_ arguments: [String], environment: [String: String], log: String) throws {
        let p = try launch(arguments, environment: environment, log: log)
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            XCTFail("retain \(arguments.joined(separator: " ")) exited \(p.terminationStatus):\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        }
    }

    func testKilledRunResumesToTheUninterruptedResult() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let specPath = dir.appendingPathComponent("spec.yaml").path
        try Self.spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        let env = ["RETAIN_CACHE": dir.appendingPathComponent("cache").path]
        let log = dir.appendingPathComponent("retain.log").path
        let models = dir.appendingPathComponent("models").path
        func args(_ db: String) -> [String] { ["run", specPath, "--db", dir.appendingPathComponent(db).path, "--models", models] }

        try runToCompletion(args("clean.sqlite"), environment: env, log: log)

        // Kill once a few stages are stored and the run is inside a later one.
        let killedDB = dir.appendingPathComponent("killed.sqlite").path
        let victim = try launch(args("killed.sqlite"), environment: env, log: log)
        var doneAtKill = 0
        let deadline = Date().addingTimeInterval(600)
        while victim.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            guard FileManager.default.fileExists(atPath: killedDB), let store = try? ExperimentStore(readOnlyPath: killedDB),
                  let done = try? store.stageRuns(status: .done).count else { continue }
            if done >= 4, (try? store.stageRuns(status: .running).count) ?? 0 > 0 {
                doneAtKill = done
                kill(victim.processIdentifier, SIGKILL)
                break
            }
        }
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal, "the run finished before it could be killed")
        XCTAssertGreaterThanOrEqual(doneAtKill, 4)
        let partial = try ExperimentStore(readOnlyPath: killedDB)
        XCTAssertFalse(try partial.stageRuns(status: .running).isEmpty, "killed inside a stage")

        try runToCompletion(args("killed.sqlite"), environment: env, log: log)
        let clean = try ExperimentStore(readOnlyPath: dir.appendingPathComponent("clean.sqlite").path)
        let resumed = try ExperimentStore(readOnlyPath: killedDB)
        XCTAssertEqual(try clean.dumpOutputs(), try resumed.dumpOutputs())
        XCTAssertEqual(try clean.summary(experiment: "kill-resume"), try resumed.summary(experiment: "kill-resume"))
        XCTAssertTrue(try resumed.stageRuns(status: .running).isEmpty)

        // A rerun does no work: nothing runs, nothing is rewritten.
        let before = try resumed.stageRuns().map { "\($0.hash) \($0.attempts) \($0.finishedAt ?? "")" }
        try runToCompletion(args("killed.sqlite"), environment: env, log: log)
        XCTAssertEqual(try ExperimentStore(readOnlyPath: killedDB).stageRuns().map { "\($0.hash) \($0.attempts) \($0.finishedAt ?? "")" }, before)

        // The gate's exit codes on this experiment: 0 pass, 1 a budget fails, 2 unusable input.
        func gate(_ budget: String) throws -> Int32 {
            let path = dir.appendingPathComponent("budget-\(UUID().uuidString).yaml").path
            try budget.write(toFile: path, atomically: true, encoding: .utf8)
            let p = try launch(["gate", "--db", killedDB, "--budget", path], environment: env, log: log)
            p.waitUntilExit()
            return p.terminationStatus
        }
        XCTAssertEqual(try gate("budgets:\n  - name: loose\n    general_forgetting: {arm: domain-only, max_points: 100}\n"), 0)
        XCTAssertEqual(try gate("budgets:\n  - name: impossible\n    domain_gain: {arm: domain-only, min_points: 99}\n"), 1)
        XCTAssertEqual(try gate("budgets:\n  - name: typo\n    domain_gain: {arm: domain-only, min_point: 1}\n"), 2)
        XCTAssertEqual(try gate("budgets:\n  - name: no such arm\n    domain_gain: {arm: nope, min_points: 1}\n"), 2)
        // Pinning writes per-item outcomes (format 2); the same store then matches its pin item by item.
        let pin = dir.appendingPathComponent("pinned.json").path
        let pinning = try launch(["gate", "--db", killedDB, "--pin", pin], environment: env, log: log)
        pinning.waitUntilExit()
        XCTAssertEqual(pinning.terminationStatus, 0)
        let pinned = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: pin))) as? [String: Any]
        XCTAssertEqual(pinned?["format"] as? Int, 2)
        // instruct once per benchmark and variant, 3 fine-tuned arms × 1 seed: 4 × 2 benchmarks × 4 variants.
        XCTAssertEqual((pinned?["records"] as? [Any])?.count, 32)
        XCTAssertEqual(try gate("budgets:\n  - name: same run\n    pinned: {file: \(pin), exact: true}\n"), 0)
        XCTAssertEqual(try gate("budgets:\n  - name: same run\n    pinned: {file: \(pin), alpha: 0.05, max_points: 0}\n"), 0)
        let usage = try launch(["gate", "--db", killedDB, "--no-such-flag"], environment: env, log: log)
        usage.waitUntilExit()
        XCTAssertEqual(usage.terminationStatus, 2)
    }
}
