import Foundation

/// A JSON value with the 1-based line it starts on. Dataset errors name the line of the field,
/// not only of the record, and Foundation's parsers keep no positions.
public struct JSONNode: Sendable {
    public indirect enum Value: Sendable {
        /// Members in file order (a repeated key is an error at parse time).
        case object([(key: String, value: JSONNode)])
        case array([JSONNode])
        case string(String)
        /// The number's literal text, as written.
        case number(String)
        case bool(Bool)
        case null
    }
    public var value: Value
    public var line: Int

    /// The member `key` of an object, nil for a missing key or a non-object.
    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The keys of an object, in file order; empty for anything else.
    public var keys: [String] {
        guard case .object(let members) = value else { return [] }
        return members.map(\.key)
    }

    /// What the value is, for "expected X, got Y" messages.
    public var kindName: String {
        switch value {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A syntax error at a line and column.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var line: Int
    public var column: Int
    public var message: String
}

/// A strict RFC 8259 parser over UTF-8 bytes that records where each value starts.
struct PositionedJSONParser {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int
    private var line: Int
    private var lineStart: Int
    /// Nesting deeper than this is an error rather than a stack overflow on hostile input.
    static let maxDepth = 256

    /// Parses `bytes[range]`, whose first byte is on line `firstLine`.
    init(bytes: [UInt8], range: Range<Int>, firstLine: Int) {
        self.bytes = bytes; index = range.lowerBound; end = range.upperBound
        line = firstLine; lineStart = range.lowerBound
    }

    /// The one value in the range, with nothing but whitespace around it.
    mutating func parseDocument() throws -> JSONNode {
        skipWhitespace()
        let node = try parseValue(depth: 0)
        skipWhitespace()
        if index < end { throw error("unexpected \(describeByte(bytes[index])) after the JSON value") }
        return node
    }

    /// True when only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index >= end
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: index - lineStart + 1, message: message)
    }

    private func describeByte(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : String(format: "byte 0x%02X", b)
    }

    private mutating func skipWhitespace() {
        while index < end {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A: index += 1; line += 1; lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONNode {
        guard index < end else { throw error("unexpected end of input, expected a value") }
        let startLine = line
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
            return JSONNode(value: try parseObject(depth: depth), line: startLine)
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
            return JSONNode(value: try parseArray(depth: depth), line: startLine)
        case UInt8(ascii: "\""): return JSONNode(value: .string(try parseString()), line: startLine)
        case UInt8(ascii: "t"): try literal("true"); return JSONNode(value: .bool(true), line: startLine)
        case UInt8(ascii: "f"): try literal("false"); return JSONNode(value: .bool(false), line: startLine)
        case UInt8(ascii: "n"): try literal("null"); return JSONNode(value: .null, line: startLine)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONNode(value: .number(try parseNumber()), line: startLine)
        default: throw error("unexpected \(describeByte(bytes[index])), expected a value")
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard end - index >= w.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("unexpected \(describeByte(bytes[index])), expected a value")
        }
        index += w.count
    }

    private mutating func parseObject(depth: Int) throws -> JSONNode.Value {
        index += 1
        var members: [(key: String, value: JSONNode)] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < end, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: "\"") else {
                throw error(index < end ? "unexpected \(describeByte(bytes[index])), expected a quoted key" : "unexpected end of input inside an object")
            }
            let keyStart = (index, line, lineStart)
            let key = try parseString()
            guard seen.insert(key).inserted else {
                (index, line, lineStart) = keyStart
                throw error("duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("unexpected \(describeByte(bytes[index])), expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONNode.Value {
        index += 1
        var items: [JSONNode] = []
        skipWhitespace()
        if index < end, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("unexpected \(describeByte(bytes[index])), expected ',' or ']'")
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = index
        func digits() -> Int {
            let s = index
            while index < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - s
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw error("invalid number") }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid number: no digits in the exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard end - index >= 4 else { throw error("unexpected end of input in a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape: \(describeByte(b)) is not a hex digit")
            }
            v = v << 4 | UInt32(d)
            index += 1
        }
        return v
    }

    private mutating func parseString() throws -> String {
        let start = (index, line, lineStart)
        index += 1  // the opening quote
        var out: [UInt8] = []
        var runStart = index
        while true {
            guard index < end else { throw error("unterminated string") }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<index])
                index += 1
                break
            }
            if b < 0x20 {
                throw error(b == 0x0A ? "unterminated string (a raw line break; JSON strings write it as \\n)"
                                      : "control character \(describeByte(b)) in a string; JSON requires it escaped")
            }
            if b != UInt8(ascii: "\\") { index += 1; continue }
            out.append(contentsOf: bytes[runStart..<index])
            index += 1
            guard index < end else { throw error("unterminated string") }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard end - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("a lone high surrogate \\u\(String(scalar, radix: 16, uppercase: true)) without its low half")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("a lone low surrogate \\u\(String(scalar, radix: 16, uppercase: true))")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                index -= 2
                throw error("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
            runStart = index
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            (index, line, lineStart) = start
            throw error("a string that is not valid UTF-8")
        }
        return s
    }
}
