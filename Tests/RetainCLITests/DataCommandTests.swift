import Foundation
import XCTest

/// `retain data check` and `convert` through the real binary: exit codes, and the file:line:field
/// of a bad record on stderr.
final class DataCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = try KillResumeTests.binary()
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testCheckReportsEachFormatAndExitsTwoNamingTheBadLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let alpaca = try write("a.json", #"[{"instruction": "q", "input": "x", "output": "a"}]"#)
        let sharegpt = try write("s.jsonl", #"{"conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}, {"from": "human", "value": "q2"}, {"from": "gpt", "value": "a2"}]}"#)
        let bad = try write("bad.jsonl", #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"# + "\n"
                            + #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant"}]}"# + "\n")

        let ok = try run(["data", "check", alpaca, sharegpt])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, """
            \(alpaca): alpaca, 1 conversations (0 multi-turn, 0 with a system prompt, 1 assistant turns), 0 skipped
            \(sharegpt): sharegpt, 1 conversations (1 multi-turn, 1 with a system prompt, 2 assistant turns), 0 skipped

            """)

        let failed = try run(["data", "check", bad])
        XCTAssertEqual(failed.status, 2)
        XCTAssertEqual(failed.stderr, "retain data: \(bad):2: record 1, messages[1].content: missing; expected a string\n")

        let skipped = try run(["data", "check", "--on-error", "skip", "--json", bad])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(skipped.stdout.utf8)) as? [[String: Any]]).first
        XCTAssertEqual(summary?["conversations"] as? Int, 1)
        XCTAssertEqual(summary?["skipped"] as? Int, 1)

        let out = dir.appendingPathComponent("out.jsonl").path
        let converted = try run(["data", "convert", alpaca, "--out", out])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8),
                       #"{"messages":[{"content":"q\nx","role":"user"},{"content":"a","role":"assistant"}]}"# + "\n")
    }
}
