/// What a template slot accepts when an instruction is parsed. Parsing is syntactic; the family's
/// validator then checks the values (the country exists, the number is in range, ...).
public enum SlotKind: String, Sendable, Hashable {
    /// Decimal digits ("42").
    case number
    /// A capitalised made-up name ("Velora").
    case name
    /// Lowercase ASCII letters ("tashkum", "meters").
    case word
    /// One lowercase letter ("k").
    case letter
    /// Two or more numbers separated by ", " ("3, 8, 1").
    case numberList

    func accepts(_ s: ArraySlice<UInt8>) -> Bool {
        guard let first = s.first else { return false }
        switch self {
        case .number: return s.allSatisfy(isDigit)
        case .name: return isUpper(first) && s.count >= 2 && s.dropFirst().allSatisfy(isLower)
        case .word: return s.allSatisfy(isLower)
        case .letter: return s.count == 1 && isLower(first)
        case .numberList:
            let parts = s.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            guard parts.count >= 2 else { return false }
            for (i, p) in parts.enumerated() {
                let digits = i == 0 ? p : (p.first == UInt8(ascii: " ") ? p.dropFirst() : [])
                if digits.isEmpty || !digits.allSatisfy(isDigit) { return false }
            }
            return true
        }
    }
}

private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
private func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
private func isLower(_ b: UInt8) -> Bool { b >= 97 && b <= 122 }

/// An instruction phrasing with named slots, e.g. `"What is {a} plus {b}?"`. Renders an instance's
/// fields into text and, the other way, matches a text against the phrasing to recover the fields.
public struct InstructionTemplate: Sendable, Hashable, CustomStringConvertible {
    enum Piece: Sendable, Hashable {
        case literal([UInt8])
        case slot(String)
    }

    /// The template text with `{slot}` placeholders.
    public let text: String
    let pieces: [Piece]

    public init(_ text: String) {
        self.text = text
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                preconditionFailure("unclosed { in template \"\(text)\"")
            }
            if !literal.isEmpty { pieces.append(.literal(Array(literal.utf8))); literal = "" }
            pieces.append(.slot(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.literal(Array(literal.utf8))) }
        self.pieces = pieces
    }

    public var description: String { text }

    /// The slot names, in order of appearance.
    public var slotNames: [String] {
        pieces.compactMap { if case .slot(let n) = $0 { return n } else { return nil } }
    }

    /// The text with every slot replaced by its field. Every slot must have a field.
    public func render(_ fields: [String: String]) -> String {
        var out = ""
        for p in pieces {
            switch p {
            case .literal(let bytes): out += String(decoding: bytes, as: UTF8.self)
            case .slot(let name):
                guard let v = fields[name] else { preconditionFailure("no field \(name) for template \"\(text)\"") }
                out += v
            }
        }
        return out
    }

    /// The fields if `instruction` (leading/trailing whitespace ignored) is exactly this template
    /// with every slot filled by text its kind accepts; nil otherwise. A slot that appears twice
    /// must match the same text both times.
    public func match(_ instruction: String, slots: [String: SlotKind]) -> [String: String]? {
        let bytes = Array(instruction.utf8)
        var lo = 0, hi = bytes.count
        while lo < hi, isSpace(bytes[lo]) { lo += 1 }
        while hi > lo, isSpace(bytes[hi - 1]) { hi -= 1 }
        var fields: [String: String] = [:]
        return match(bytes[lo..<hi], piece: 0, fields: &fields, slots: slots) ? fields : nil
    }

    private func match(_ s: ArraySlice<UInt8>, piece: Int, fields: inout [String: String], slots: [String: SlotKind]) -> Bool {
        guard piece < pieces.count else { return s.isEmpty }
        switch pieces[piece] {
        case .literal(let lit):
            guard s.count >= lit.count, s.prefix(lit.count).elementsEqual(lit) else { return false }
            return match(s.dropFirst(lit.count), piece: piece + 1, fields: &fields, slots: slots)
        case .slot(let name):
            let kind = slots[name] ?? .word
            // Shortest first; the literal that follows usually pins the end.
            for end in (s.startIndex + 1)..<(s.endIndex + 1) {
                let value = s[s.startIndex..<end]
                guard kind.accepts(value) else { continue }
                let text = String(decoding: value, as: UTF8.self)
                if let bound = fields[name], bound != text { continue }
                let previous = fields[name]
                fields[name] = text
                if match(s[end...], piece: piece + 1, fields: &fields, slots: slots) { return true }
                fields[name] = previous
            }
            return false
        }
    }
}

private func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 }
