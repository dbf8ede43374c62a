import Foundation
import RetainCore

/// The conversation formats an SFT dataset file can be in.
public enum DatasetFormat: String, CaseIterable, Sendable, Codable {
    /// OpenAI chat messages: `{"messages": [{"role": "system"|"user"|"assistant", "content": ...}]}`.
    case openai
    /// Alpaca: `{"instruction", "input"?, "output", "system"?, "history"?: [[user, assistant], ...]}`.
    case alpaca
    /// ShareGPT: `{"conversations": [{"from": "human"|"gpt"|"system", "value": ...}], "system"?}`.
    case sharegpt

    /// The key whose presence identifies the format in a record.
    var markerKey: String {
        switch self {
        case .openai: return "messages"
        case .alpaca: return "instruction"
        case .sharegpt: return "conversations"
        }
    }
}

/// What to do with a record that is not a valid conversation.
public enum DatasetErrorPolicy: String, CaseIterable, Sendable, Codable {
    /// Stop at the first bad record (the default: nothing is dropped silently).
    case fail
    /// Drop it, and list it in `LoadedDataset.skipped` so the report can count it.
    case skip
}

/// A bad record or file: names the file, the line, and the field, and says what was expected.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The 0-based index of the record in the file, when the error belongs to one.
    public var record: Int?
    /// The field path within the record (`conversations[2].from`), empty for the record itself.
    public var field: String
    public var message: String

    public var description: String {
        var s = "\(file):\(line):"
        if let record { s += " record \(record)" + (field.isEmpty ? ":" : ",") }
        if !field.isEmpty { s += " \(field):" }
        return s + " " + message
    }
}

/// A dataset read from a file: its conversations in file order, each with its source line.
public struct LoadedDataset: Sendable {
    public var file: String
    public var format: DatasetFormat
    public var conversations: [Conversation]
    /// The line each conversation's record starts on.
    public var lines: [Int]
    /// Records dropped under `DatasetErrorPolicy.skip`, with why.
    public var skipped: [DatasetError]
}

/// Reads SFT datasets in OpenAI-messages, Alpaca and ShareGPT form, as JSON Lines (one record per
/// line) or as one JSON array of records. The format is detected from the first record unless
/// given. System prompts and multi-turn conversations are kept; the user turn of an Alpaca record
/// is `instruction + "\n" + input` when the input is non-empty, as LLaMA-Factory's converter builds it.
public enum DatasetReader {
    public static func load(path: String, format: DatasetFormat? = nil, onError: DatasetErrorPolicy = .fail,
                            source: String? = nil) throws -> LoadedDataset {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DatasetError(file: path, line: 1, record: nil, field: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data: data, file: path, format: format, onError: onError, source: source)
    }

    /// Parses a dataset's bytes; `file` names it in errors.
    public static func parse(data: Data, file: String, format: DatasetFormat? = nil, onError: DatasetErrorPolicy = .fail,
                             source: String? = nil) throws -> LoadedDataset {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var skipped: [DatasetError] = []
        let records = try splitRecords(bytes, file: file, onError: onError, skipped: &skipped)
        guard let first = records.first else {
            throw DatasetError(file: file, line: 1, record: nil, field: "", message: "no records: expected JSON Lines or a JSON array of conversations")
        }
        let resolved = try format ?? detect(first, file: file)
        var out = LoadedDataset(file: file, format: resolved, conversations: [], lines: [], skipped: skipped)
        for (i, record) in records.enumerated() {
            do {
                var conversation = try convert(record.node, format: resolved)
                conversation.source = conversation.source ?? source
                out.conversations.append(conversation)
                out.lines.append(record.node.line)
            } catch let e as FieldError {
                let error = DatasetError(file: file, line: e.line, record: i, field: e.field, message: e.message)
                guard onError == .skip else { throw error }
                out.skipped.append(error)
            }
        }
        out.skipped.sort { ($0.line, $0.record ?? -1) < ($1.line, $1.record ?? -1) }
        if out.conversations.isEmpty {
            let why = out.skipped.first.map { " (the first: \($0))" } ?? ""
            throw DatasetError(file: file, line: 1, record: nil, field: "", message: "every record was skipped as invalid\(why)")
        }
        return out
    }

    // MARK: - Records

    struct Record { var node: JSONNode }

    /// A file whose first significant byte is `[` is one JSON array of records; otherwise JSON Lines.
    static func splitRecords(_ bytes: [UInt8], file: String, onError: DatasetErrorPolicy,
                             skipped: inout [DatasetError]) throws -> [Record] {
        let firstByte = bytes.first { ![0x20, 0x09, 0x0D, 0x0A].contains($0) }
        if firstByte == UInt8(ascii: "[") {
            var parser = PositionedJSONParser(bytes: bytes, range: 0..<bytes.count, firstLine: 1)
            let document: JSONNode
            do { document = try parser.parseDocument() } catch let e as JSONSyntaxError {
                throw DatasetError(file: file, line: e.line, record: nil, field: "", message: "invalid JSON at column \(e.column): \(e.message)")
            }
            guard case .array(let items) = document.value else { return [] }
            return items.map { Record(node: $0) }
        }
        var records: [Record] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count || (start == bytes.count && lineNumber == 0) {
            lineNumber += 1
            let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = newline + 1 }
            var parser = PositionedJSONParser(bytes: bytes, range: start..<newline, firstLine: lineNumber)
            if parser.atEnd() { if newline >= bytes.count { break } else { continue } }
            do {
                let node = try parser.parseDocument()
                records.append(Record(node: node))
            } catch let e as JSONSyntaxError {
                let error = DatasetError(file: file, line: lineNumber, record: nil, field: "",
                                         message: "invalid JSON at column \(e.column): \(e.message) (JSON Lines: one record per line)")
                guard onError == .skip else { throw error }
                skipped.append(error)
            }
            if newline >= bytes.count { break }
        }
        return records
    }

    static func detect(_ record: Record, file: String) throws -> DatasetFormat {
        let keys = record.node.keys
        guard case .object = record.node.value else {
            throw DatasetError(file: file, line: record.node.line, record: 0, field: "",
                               message: "expected an object (a conversation), got \(record.node.kindName)")
        }
        let matches = DatasetFormat.allCases.filter { keys.contains($0.markerKey) }
        guard matches.count == 1 else {
            let found = keys.isEmpty ? "no keys" : "keys " + keys.map { "\"\($0)\"" }.joined(separator: ", ")
            let expected = DatasetFormat.allCases.map { "\"\($0.markerKey)\" (\($0.rawValue))" }.joined(separator: ", ")
            throw DatasetError(file: file, line: record.node.line, record: 0, field: "",
                               message: "cannot tell the format: expected exactly one of \(expected), found \(found); set format: explicitly")
        }
        return matches[0]
    }

    // MARK: - Conversion

    struct FieldError: Error {
        var line: Int
        var field: String
        var message: String
    }

    /// A message with where it came from, so a turn-order error names its field and line.
    struct SourcedMessage {
        var message: Message
        var line: Int
        var field: String
        init(_ role: Role, _ content: String, line: Int, field: String) {
            message = Message(role: role, content: content); self.line = line; self.field = field
        }
    }

    static func convert(_ node: JSONNode, format: DatasetFormat) throws -> Conversation {
        guard case .object = node.value else {
            throw FieldError(line: node.line, field: "", message: "expected an object (a conversation), got \(node.kindName)")
        }
        let messages: [SourcedMessage]
        switch format {
        case .openai: messages = try openAIMessages(node)
        case .alpaca: messages = try alpacaMessages(node)
        case .sharegpt: messages = try shareGPTMessages(node)
        }
        try validateTurns(messages, record: node)
        return Conversation(messages: messages.map(\.message), family: try optionalString(node, "family"),
                            source: try optionalString(node, "source"))
    }

    static func string(_ node: JSONNode?, field: String, in parent: JSONNode) throws -> String {
        guard let node else { throw FieldError(line: parent.line, field: field, message: "missing; expected a string") }
        guard case .string(let s) = node.value else {
            throw FieldError(line: node.line, field: field, message: "expected a string, got \(node.kindName)")
        }
        return s
    }

    static func optionalString(_ parent: JSONNode, _ key: String) throws -> String? {
        guard let node = parent[key] else { return nil }
        if case .null = node.value { return nil }
        return try string(node, field: key, in: parent)
    }

    static func array(_ node: JSONNode?, field: String, in parent: JSONNode) throws -> [JSONNode] {
        guard let node else { throw FieldError(line: parent.line, field: field, message: "missing; expected an array") }
        guard case .array(let items) = node.value else {
            throw FieldError(line: node.line, field: field, message: "expected an array, got \(node.kindName)")
        }
        return items
    }

    static func openAIMessages(_ record: JSONNode) throws -> [SourcedMessage] {
        let items = try array(record["messages"], field: "messages", in: record)
        return try items.enumerated().map { i, item in
            let path = "messages[\(i)]"
            guard case .object = item.value else {
                throw FieldError(line: item.line, field: path, message: "expected an object with role and content, got \(item.kindName)")
            }
            let roleText = try string(item["role"], field: path + ".role", in: item)
            guard let role = Role(rawValue: roleText) else {
                throw FieldError(line: item["role"]!.line, field: path + ".role",
                                 message: "expected system, user or assistant, got \"\(roleText)\"" + (["tool", "function"].contains(roleText) ? " (tool turns are not supported)" : ""))
            }
            return SourcedMessage(role, try openAIContent(item["content"], path: path + ".content", in: item), line: item.line, field: path)
        }
    }

    /// A content string, or an array of text parts (`{"type": "text", "text": ...}`) joined in order.
    static func openAIContent(_ node: JSONNode?, path: String, in parent: JSONNode) throws -> String {
        guard let node else { throw FieldError(line: parent.line, field: path, message: "missing; expected a string") }
        switch node.value {
        case .string(let s): return s
        case .array(let parts):
            return try parts.enumerated().map { j, part in
                let partPath = "\(path)[\(j)]"
                let type = try string(part["type"], field: partPath + ".type", in: part)
                guard type == "text" else {
                    throw FieldError(line: part.line, field: partPath + ".type", message: "expected \"text\", got \"\(type)\" (only text parts are supported)")
                }
                return try string(part["text"], field: partPath + ".text", in: part)
            }.joined()
        default:
            throw FieldError(line: node.line, field: path, message: "expected a string or an array of text parts, got \(node.kindName)")
        }
    }

    static func alpacaMessages(_ record: JSONNode) throws -> [SourcedMessage] {
        var messages: [SourcedMessage] = []
        if let system = try optionalString(record, "system"), !system.isEmpty {
            messages.append(SourcedMessage(.system, system, line: record["system"]!.line, field: "system"))
        }
        if let history = record["history"], !isNull(history) {
            for (i, pair) in try array(history, field: "history", in: record).enumerated() {
                guard case .array(let turn) = pair.value, turn.count == 2 else {
                    throw FieldError(line: pair.line, field: "history[\(i)]", message: "expected a [user, assistant] pair of strings")
                }
                messages.append(SourcedMessage(.user, try string(turn[0], field: "history[\(i)][0]", in: pair), line: turn[0].line, field: "history[\(i)][0]"))
                messages.append(SourcedMessage(.assistant, try string(turn[1], field: "history[\(i)][1]", in: pair), line: turn[1].line, field: "history[\(i)][1]"))
            }
        }
        let instruction = try string(record["instruction"], field: "instruction", in: record)
        let input = try optionalString(record, "input") ?? ""
        messages.append(SourcedMessage(.user, [instruction, input].filter { !$0.isEmpty }.joined(separator: "\n"),
                                       line: record["instruction"]!.line, field: input.isEmpty ? "instruction" : "instruction and input"))
        messages.append(SourcedMessage(.assistant, try string(record["output"], field: "output", in: record),
                                       line: record["output"]?.line ?? record.line, field: "output"))
        return messages
    }

    /// ShareGPT speaker names as they occur in ShareGPT dumps and LLaMA-Factory's files.
    static let shareGPTRoles: [String: Role] = [
        "system": .system, "human": .user, "user": .user,
        "gpt": .assistant, "assistant": .assistant, "chatgpt": .assistant, "bard": .assistant, "bing": .assistant,
    ]

    static func shareGPTMessages(_ record: JSONNode) throws -> [SourcedMessage] {
        var messages: [SourcedMessage] = []
        if let system = try optionalString(record, "system"), !system.isEmpty {
            messages.append(SourcedMessage(.system, system, line: record["system"]!.line, field: "system"))
        }
        for (i, turn) in try array(record["conversations"], field: "conversations", in: record).enumerated() {
            let path = "conversations[\(i)]"
            guard case .object = turn.value else {
                throw FieldError(line: turn.line, field: path, message: "expected an object with from and value, got \(turn.kindName)")
            }
            let from = try string(turn["from"], field: path + ".from", in: turn)
            guard let role = shareGPTRoles[from] else {
                let tool = ["function_call", "observation", "tool"].contains(from) ? " (tool turns are not supported)" : ""
                throw FieldError(line: turn["from"]!.line, field: path + ".from",
                                 message: "expected one of human, gpt, system (or user, assistant, chatgpt, bard, bing), got \"\(from)\"\(tool)")
            }
            messages.append(SourcedMessage(role, try string(turn["value"], field: path + ".value", in: turn), line: turn.line, field: path))
        }
        return messages
    }

    static func isNull(_ node: JSONNode) -> Bool { if case .null = node.value { return true } else { return false } }

    /// One optional system message first, then user and assistant turns alternating, starting with
    /// a user turn and ending with a non-empty assistant reply.
    static func validateTurns(_ messages: [SourcedMessage], record: JSONNode) throws {
        var turns = messages[...]
        if turns.first?.message.role == .system { turns = turns.dropFirst() }
        guard let last = turns.last else {
            throw FieldError(line: record.line, field: "", message: "no user or assistant turns; expected at least one user turn and its assistant reply")
        }
        for (k, turn) in turns.enumerated() {
            let expected: Role = k % 2 == 0 ? .user : .assistant
            let role = turn.message.role
            guard role == expected else {
                let why = role == .system ? "a system message is allowed only first" : "turns must alternate user, assistant, starting with user"
                throw FieldError(line: turn.line, field: turn.field, message: "expected a \(expected.rawValue) turn, got \(role.rawValue) (\(why))")
            }
            if turn.message.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw FieldError(line: turn.line, field: turn.field,
                                 message: role == .assistant ? "an empty assistant reply; expected the text to train on" : "an empty user turn")
            }
        }
        guard last.message.role == .assistant else {
            throw FieldError(line: last.line, field: last.field, message: "the conversation ends with a user turn; expected it to end with the assistant's reply")
        }
    }
}
