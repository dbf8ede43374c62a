import Foundation
import RetainCore
import RetainWorld
import XCTest
@testable import RetainDatasets

final class DatasetReaderTests: XCTestCase {
    private func parse(_ text: String, format: DatasetFormat? = nil, onError: DatasetErrorPolicy = .fail) throws -> LoadedDataset {
        try DatasetReader.parse(data: Data(text.utf8), file: "d.jsonl", format: format, onError: onError)
    }

    /// The error's description for text that must fail.
    private func failure(_ text: String, format: DatasetFormat? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(text, format: format)
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch let e as DatasetError { return e.description } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
            return ""
        }
    }

    private func m(_ role: Role, _ content: String) -> Message { Message(role: role, content: content) }

    // MARK: - The three formats

    func testOpenAIMessagesKeepSystemPromptsMultiTurnAndTextParts() throws {
        let d = try parse("""
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "and 3+3?"}, {"role": "assistant", "content": "6"}], "family": "addition"}

        {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]}, {"role": "assistant", "content": "Hello"}]}
        """)
        XCTAssertEqual(d.format, .openai)
        XCTAssertEqual(d.conversations.map(\.messages), [
            [m(.system, "Be brief."), m(.user, "2+2?"), m(.assistant, "4"), m(.user, "and 3+3?"), m(.assistant, "6")],
            [m(.user, "Hi there"), m(.assistant, "Hello")],
        ])
        XCTAssertEqual(d.conversations[0].family, "addition")
        XCTAssertEqual(d.lines, [1, 3], "a blank line is skipped but still counted")
        XCTAssertTrue(d.skipped.isEmpty)
    }

    func testAlpacaJoinsInstructionAndInputLikeLLaMAFactoryAndKeepsHistoryAndSystem() throws {
        let d = try parse("""
        [
          {"instruction": "Translate", "input": "chat", "output": "cat"},
          {"instruction": "Say hi", "input": "", "output": "hi"},
          {"instruction": "And now?", "output": "bye", "system": "You are terse.", "history": [["first", "one"]]}
        ]
        """)
        XCTAssertEqual(d.format, .alpaca)
        XCTAssertEqual(d.conversations.map(\.messages), [
            [m(.user, "Translate\nchat"), m(.assistant, "cat")],
            [m(.user, "Say hi"), m(.assistant, "hi")],
            [m(.system, "You are terse."), m(.user, "first"), m(.assistant, "one"), m(.user, "And now?"), m(.assistant, "bye")],
        ])
        XCTAssertEqual(d.lines, [2, 3, 4])
    }

    func testShareGPTMapsSpeakersAndKeepsTheSystemColumn() throws {
        let d = try parse("""
        {"conversations": [{"from": "human", "value": "q1"}, {"from": "gpt", "value": "a1"}, {"from": "user", "value": "q2"}, {"from": "chatgpt", "value": "a2"}], "system": "sys"}
        {"conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
        """)
        XCTAssertEqual(d.format, .sharegpt)
        XCTAssertEqual(d.conversations.map(\.messages), [
            [m(.system, "sys"), m(.user, "q1"), m(.assistant, "a1"), m(.user, "q2"), m(.assistant, "a2")],
            [m(.system, "s"), m(.user, "q"), m(.assistant, "a")],
        ])
    }

    func testAnExplicitFormatOverridesDetection() throws {
        // A record with both "instruction" and "messages" keys cannot be told apart.
        let text = #"{"instruction": "i", "output": "o", "messages": "not used"}"#
        XCTAssertTrue(failure(text).contains("cannot tell the format"), failure(text))
        XCTAssertTrue(failure(text).contains("set format: explicitly"))
        let d = try parse(text, format: .alpaca)
        XCTAssertEqual(d.conversations[0].messages, [m(.user, "i"), m(.assistant, "o")])
    }

    // MARK: - Errors name the file, line and field

    func testMalformedOpenAIRecordsNameLineAndField() {
        let good = #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"#
        XCTAssertEqual(failure(good + "\n" + #"{"messages": [{"role": "user", "content": "q"}, {"role": "bot", "content": "a"}]}"#),
                       #"d.jsonl:2: record 1, messages[1].role: expected system, user or assistant, got "bot""#)
        XCTAssertEqual(failure(good + "\n\n" + #"{"messages": [{"role": "user", "content": 7}, {"role": "assistant", "content": "a"}]}"#),
                       "d.jsonl:3: record 1, messages[0].content: expected a string or an array of text parts, got a number")
        XCTAssertEqual(failure(#"{"messages": [{"role": "user", "content": "q"}]}"#),
                       "d.jsonl:1: record 0, messages[0]: the conversation ends with a user turn; expected it to end with the assistant's reply")
        XCTAssertEqual(failure(#"{"messages": [{"role": "assistant", "content": "a"}]}"#),
                       "d.jsonl:1: record 0, messages[0]: expected a user turn, got assistant (turns must alternate user, assistant, starting with user)")
        XCTAssertEqual(failure(#"{"messages": [{"role": "user", "content": "q"}, {"role": "tool", "content": "a"}]}"#),
                       #"d.jsonl:1: record 0, messages[1].role: expected system, user or assistant, got "tool" (tool turns are not supported)"#)
        XCTAssertEqual(failure(good + "\n" + #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": " "}]}"#),
                       "d.jsonl:2: record 1, messages[1]: an empty assistant reply; expected the text to train on")
        XCTAssertEqual(failure(#"{"messages": {"role": "user"}}"#, format: .openai),
                       "d.jsonl:1: record 0, messages: expected an array, got an object")
    }

    func testMalformedAlpacaRecordsNameLineAndFieldInsideAPrettyPrintedArray() {
        XCTAssertEqual(failure("""
        [
          {"instruction": "a", "output": "b"},
          {
            "instruction": "c",
            "output": 3
          }
        ]
        """), "d.jsonl:5: record 1, output: expected a string, got a number")
        XCTAssertEqual(failure("""
        [
          {"instruction": "a", "output": "b"},
          {"instruction": "c"}
        ]
        """), "d.jsonl:3: record 1, output: missing; expected a string")
        XCTAssertEqual(failure(#"[{"instruction": "a", "output": "b", "history": [["only one"]]}]"#),
                       "d.jsonl:1: record 0, history[0]: expected a [user, assistant] pair of strings")
        XCTAssertEqual(failure(#"[{"instruction": "", "input": "", "output": "b"}]"#),
                       "d.jsonl:1: record 0, instruction: an empty user turn")
    }

    func testMalformedShareGPTRecordsNameLineAndField() {
        XCTAssertEqual(failure(#"{"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "{}"}]}"#),
                       #"d.jsonl:1: record 0, conversations[1].from: expected one of human, gpt, system (or user, assistant, chatgpt, bard, bing), got "function_call" (tool turns are not supported)"#)
        XCTAssertEqual(failure(#"{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt"}]}"#),
                       "d.jsonl:1: record 0, conversations[1].value: missing; expected a string")
        XCTAssertEqual(failure(#"{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}, {"from": "system", "value": "late"}, {"from": "gpt", "value": "x"}]}"#),
                       "d.jsonl:1: record 0, conversations[2]: expected a user turn, got system (a system message is allowed only first)")
        XCTAssertEqual(failure(#"{"conversations": ["q", "a"]}"#),
                       "d.jsonl:1: record 0, conversations[0]: expected an object with from and value, got a string")
    }

    func testSyntaxErrorsNameTheLineAndColumn() {
        let good = #"{"instruction": "a", "output": "b"}"#
        XCTAssertEqual(failure(good + "\n" + #"{"instruction": "a", "output": "b""#),
                       "d.jsonl:2: invalid JSON at column 35: unexpected end of input inside an object (JSON Lines: one record per line)")
        XCTAssertEqual(failure(good + "\n" + #"{"instruction": "a", "instruction": "b"}"#),
                       #"d.jsonl:2: invalid JSON at column 22: duplicate key "instruction" (JSON Lines: one record per line)"#)
        XCTAssertEqual(failure("[\n" + good + ",\n" + good + "\n"),
                       "d.jsonl:4: invalid JSON at column 1: unexpected end of input inside an array")
        XCTAssertEqual(failure("[\n" + good + ",,\n]"), "d.jsonl:2: invalid JSON at column 37: unexpected ',', expected a value")
        XCTAssertEqual(failure(#"{"instruction": "a\q", "output": "b"}"#), #"d.jsonl:1: invalid JSON at column 19: invalid escape \q (JSON Lines: one record per line)"#)
        XCTAssertEqual(failure(""), "d.jsonl:1: no records: expected JSON Lines or a JSON array of conversations")
        XCTAssertEqual(failure("[1]"), "d.jsonl:1: record 0: expected an object (a conversation), got a number")
    }

    func testInvalidUTF8AndHostileNestingAreErrorsNotCrashes() {
        var bytes = Array(#"{"instruction": "a"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#"", "output": "b"}"#.utf8)
        XCTAssertThrowsError(try DatasetReader.parse(data: Data(bytes), file: "u.jsonl")) { e in
            XCTAssertEqual("\(e)", "u.jsonl:1: invalid JSON at column 17: a string that is not valid UTF-8 (JSON Lines: one record per line)")
        }
        let deep = String(repeating: "[", count: 100_000)
        XCTAssertEqual(failure(deep), "d.jsonl:1: invalid JSON at column 257: nesting deeper than 256 levels")
    }

    func testEscapesSurrogatePairsBOMAndCRLF() throws {
        let text = "\u{FEFF}" + #"{"instruction": "tab\there \"q\" \u00e9 \ud83d\ude00", "output": "a\/b"}"# + "\r\n"
            + #"{"instruction": "second", "output": "ok"}"# + "\r\n"
        let d = try parse(text)
        XCTAssertEqual(d.conversations.map(\.messages), [
            [m(.user, "tab\there \"q\" é 😀"), m(.assistant, "a/b")],
            [m(.user, "second"), m(.assistant, "ok")],
        ])
        XCTAssertEqual(d.lines, [1, 2])
        XCTAssertTrue(failure(#"{"instruction": "\ud83d", "output": "b"}"#).contains("a lone high surrogate"))
    }

    // MARK: - on_error: skip

    func testSkipDropsBadRecordsAndListsThemInFileOrder() throws {
        let d = try parse("""
        {"instruction": "a", "output": "b"}
        {"instruction": "c", "output": 1}
        not json
        {"instruction": "d", "output": "e"}
        """, onError: .skip)
        XCTAssertEqual(d.conversations.map { $0.messages[0].content }, ["a", "d"])
        XCTAssertEqual(d.lines, [1, 4])
        XCTAssertEqual(d.skipped.map(\.line), [2, 3])
        XCTAssertEqual(d.skipped[0].field, "output")
        XCTAssertEqual(failure("not json\n"), "d.jsonl:1: invalid JSON at column 1: unexpected 'n', expected a value (JSON Lines: one record per line)")
        XCTAssertThrowsError(try parse(#"{"instruction": "c", "output": 1}"#, onError: .skip)) { e in
            XCTAssertTrue("\(e)".hasPrefix("d.jsonl:1: every record was skipped as invalid (the first: d.jsonl:1: record 0, output:"), "\(e)")
        }
    }

    // MARK: - Files written by others

    func testTheWorldsExportedSetsReadBackAsTheWorldsConversations() throws {
        let world = try World(preset: .quick, seed: 3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-datasets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try WorldExporter.export(world, to: dir)
        let domain = try DatasetReader.load(path: dir.appendingPathComponent("sft/domain.jsonl").path)
        XCTAssertEqual(domain.format, .openai)
        XCTAssertEqual(domain.conversations, world.domainSet)
        for set in world.publicSets {
            XCTAssertEqual(try DatasetReader.load(path: dir.appendingPathComponent("sft/\(set.name).jsonl").path).conversations, set.conversations)
        }
    }

    /// LLaMA-Factory's own demo datasets (from its PyPI sdist, fetched by scripts/fetch-real-data.sh
    /// into $RETAIN_REAL_DATA), against Python's json module and LLaMA-Factory's conversion rule.
    func testLLaMAFactoryDemoDatasetsMatchPythonsReading() throws {
        guard let root = ProcessInfo.processInfo.environment["RETAIN_REAL_DATA"] else {
            throw XCTSkip("RETAIN_REAL_DATA is not set (scripts/test.sh fetches the real datasets and sets it)")
        }
        let data = URL(fileURLWithPath: root).appendingPathComponent("llamafactory-0.9.5/data")
        for (file, format, count) in [("alpaca_en_demo.json", DatasetFormat.alpaca, 999), ("identity.json", .alpaca, 91),
                                      ("alpaca_zh_demo.json", .alpaca, 1000)] {
            let path = data.appendingPathComponent(file).path
            let d = try DatasetReader.load(path: path)
            XCTAssertEqual(d.format, format, file)
            XCTAssertEqual(d.conversations.count, count, file)
            XCTAssertEqual(d.conversations.map(\.messages), try pythonReference(path), file)
        }
        // Tool-calling ShareGPT: 147 of its 300 conversations have only human and gpt turns; the rest
        // have function_call / observation turns, which are refused by default and counted under skip.
        let glaive = data.appendingPathComponent("glaive_toolcall_en_demo.json").path
        XCTAssertThrowsError(try DatasetReader.load(path: glaive)) { e in
            XCTAssertTrue("\(e)".contains(#".from: expected one of human, gpt, system"#), "\(e)")
            XCTAssertTrue("\(e)".contains("(tool turns are not supported)"), "\(e)")
        }
        let skipped = try DatasetReader.load(path: glaive, onError: .skip)
        XCTAssertEqual(skipped.format, .sharegpt)
        XCTAssertEqual(skipped.conversations.count, 147)
        XCTAssertEqual(skipped.skipped.count, 153)
        XCTAssertEqual(skipped.conversations.map(\.messages), try pythonReference(glaive))
    }

    /// The conversations as Python reads them: json.load, then LLaMA-Factory's rules (Alpaca:
    /// "\n".join of the non-empty instruction and input; ShareGPT: only human/gpt conversations).
    private func pythonReference(_ path: String) throws -> [[Message]] {
        let script = """
        import json, sys
        rows = json.load(open(sys.argv[1], encoding="utf-8"))
        out = []
        for r in rows:
            if "conversations" in r:
                if not all(t["from"] in ("human", "gpt") for t in r["conversations"]):
                    continue
                out.append([{"role": "user" if t["from"] == "human" else "assistant", "content": t["value"]} for t in r["conversations"]])
            else:
                q = "\\n".join(x for x in (r["instruction"], r.get("input", "")) if x)
                out.append([{"role": "user", "content": q}, {"role": "assistant", "content": r["output"]}])
        json.dump(out, sys.stdout)
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return try JSONDecoder().decode([[Message]].self, from: out)
    }
}
