// A small, strict JSON reader and writer for safetensors headers.
//
// Hand-written rather than JSONSerialization because a header must be read exactly:
// offsets are 64-bit integers (JSONSerialization may hand them back as Double and lose
// precision), duplicate keys must be detected, nesting depth must be bounded so a hostile
// header cannot exhaust the stack, and no input may trap.

/// A parsed JSON value. Objects keep their members in document order.
enum SafeTensorsJSONValue: Equatable {
    case object([(key: String, value: SafeTensorsJSONValue)])
    case array([SafeTensorsJSONValue])
    case string(String)
    /// The number exactly as written in the document (validated against the JSON grammar).
    case number(String)
    case bool(Bool)
    case null

    static func == (a: SafeTensorsJSONValue, b: SafeTensorsJSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// Short human-readable name of the value's kind, for error messages.
    var kindDescription: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string(let s): return "the string \(SafeTensorsJSON.quoted(s))"
        case .number(let n): return "the number \(n)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// The value as an exact `Int` if it is a JSON number written as an integer
    /// (no fraction, no exponent) that fits in `Int`; otherwise nil.
    var exactInt: Int? {
        guard case .number(let text) = self else { return nil }
        guard !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Int(text)
    }
}

/// A syntax error: what went wrong and at which byte of the input.
struct SafeTensorsJSONSyntaxError: Error, Equatable {
    var message: String
    var offset: Int
}

enum SafeTensorsJSON {
    /// Deepest nesting accepted. A safetensors header needs 3 levels.
    static let maxDepth = 64

    /// Parses one JSON value from `bytes`, allowing JSON whitespace (including the
    /// space padding writers add) before and after it, and nothing else.
    static func parse(_ bytes: [UInt8]) throws -> SafeTensorsJSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.pos < bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    /// JSON string literal for `s`, escaping quotes, backslashes and control characters.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    private struct Parser {
        let bytes: [UInt8]
        var pos = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> SafeTensorsJSONSyntaxError {
            SafeTensorsJSONSyntaxError(message: message, offset: pos)
        }

        func describeCurrent() -> String {
            guard pos < bytes.count else { return "end of input" }
            let b = bytes[pos]
            if b >= 0x21 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
            return "byte 0x" + String(b, radix: 16)
        }

        mutating func skipWhitespace() {
            while pos < bytes.count {
                switch bytes[pos] {
                case 0x20, 0x09, 0x0A, 0x0D: pos += 1
                default: return
                }
            }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws {
            guard pos < bytes.count, bytes[pos] == byte else {
                throw error("expected \(what), found \(describeCurrent())")
            }
            pos += 1
        }

        mutating func parseValue(depth: Int) throws -> SafeTensorsJSONValue {
            guard depth < SafeTensorsJSON.maxDepth else {
                throw error("nesting deeper than \(SafeTensorsJSON.maxDepth) levels")
            }
            guard pos < bytes.count else { throw error("expected a value, found end of input") }
            switch bytes[pos] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try parseLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw error("expected a value, found \(describeCurrent())")
            }
        }

        mutating func parseLiteral(_ word: String) throws {
            for b in word.utf8 {
                guard pos < bytes.count, bytes[pos] == b else {
                    throw error("invalid literal, expected '\(word)'")
                }
                pos += 1
            }
        }

        mutating func parseObject(depth: Int) throws -> SafeTensorsJSONValue {
            pos += 1  // '{'
            var members: [(key: String, value: SafeTensorsJSONValue)] = []
            var seen = Set<String>()
            skipWhitespace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                    throw error("expected a string key, found \(describeCurrent())")
                }
                let keyStart = pos
                let key = try parseString()
                guard seen.insert(key).inserted else {
                    throw SafeTensorsJSONSyntaxError(message: "duplicate key \(SafeTensorsJSON.quoted(key))",
                                                     offset: keyStart)
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after key")
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                members.append((key: key, value: value))
                skipWhitespace()
                guard pos < bytes.count else { throw error("expected ',' or '}', found end of input") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
                throw error("expected ',' or '}', found \(describeCurrent())")
            }
        }

        mutating func parseArray(depth: Int) throws -> SafeTensorsJSONValue {
            pos += 1  // '['
            var elements: [SafeTensorsJSONValue] = []
            skipWhitespace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard pos < bytes.count else { throw error("expected ',' or ']', found end of input") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(elements) }
                throw error("expected ',' or ']', found \(describeCurrent())")
            }
        }

        /// Validates the JSON number grammar and returns the literal text.
        mutating func parseNumber() throws -> String {
            let start = pos
            func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
            if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("expected a digit in number") }
            if bytes[pos] == UInt8(ascii: "0") {
                pos += 1
                if pos < bytes.count, isDigit(bytes[pos]) { throw error("leading zero in number") }
            } else {
                while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                pos += 1
                guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("expected a digit after '.'") }
                while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
                guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("expected a digit in exponent") }
                while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
            }
            // The slice holds only ASCII digits, signs, '.', 'e' and 'E'.
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }

        mutating func parseHex4() throws -> UInt32 {
            guard bytes.count - pos >= 4 else { throw error("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[pos]
                let d: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
                default: throw error("invalid hex digit in \\u escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }

        /// Parses a string literal starting at the opening quote. Raw bytes must be valid
        /// UTF-8 (checked by decoding), escapes must be valid, lone surrogates are rejected.
        mutating func parseString() throws -> String {
            pos += 1  // opening quote
            var out: [UInt8] = []
            while true {
                guard pos < bytes.count else { throw error("unterminated string") }
                let b = bytes[pos]
                if b == UInt8(ascii: "\"") { pos += 1; break }
                if b < 0x20 { throw error("unescaped control character 0x\(String(b, radix: 16)) in string") }
                if b != UInt8(ascii: "\\") {
                    out.append(b)
                    pos += 1
                    continue
                }
                pos += 1
                guard pos < bytes.count else { throw error("unterminated escape in string") }
                let e = bytes[pos]
                pos += 1
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
                    var code = try parseHex4()
                    if code >= 0xD800 && code < 0xDC00 {
                        guard bytes.count - pos >= 2, bytes[pos] == UInt8(ascii: "\\"),
                              bytes[pos + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape")
                        }
                        pos += 2
                        let low = try parseHex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if code >= 0xDC00 && code < 0xE000 {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string")
                }
            }
            // Decoding replaces ill-formed sequences, so the bytes round-trip only if valid.
            // (String(validating:as:) would do, but needs macOS 15.)
            let s = String(decoding: out, as: UTF8.self)
            guard s.utf8.elementsEqual(out) else { throw error("string is not valid UTF-8") }
            return s
        }
    }
}
