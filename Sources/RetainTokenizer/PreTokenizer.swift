/// The hand-written pre-tokenizer that splits text into chunks before BPE.
///
/// Merges never cross chunk boundaries. Working on UTF-8 bytes, every chunk is one of:
///
/// - **Word**: an optional single leading space (U+0020) followed by a run of letters.
///   Letters are Unicode letters (categories L*) and combining marks (M*), so decomposed
///   accents stay with their base letter. An apostrophe (`'` or `’`) between two letters is part
///   of the word, so contractions stay whole: `" don't"`.
/// - **Digit**: every decimal digit (Unicode `Nd`) is its own chunk, so numbers are always
///   tokenized digit by digit: `"2024"` → `"2"`, `"0"`, `"2"`, `"4"`.
/// - **Symbols**: an optional single leading space followed by a run of everything that is not a
///   letter, digit or whitespace (punctuation, symbols, emoji, control characters).
/// - **Newlines**: a run of line breaks (`\n`, `\r`, VT, FF, U+0085, U+2028, U+2029).
/// - **Spaces**: a run of other whitespace. When such a run is followed by a word or a symbol
///   run and ends with a plain space, that last space is left to prefix the next chunk
///   (`"a   b"` → `"a"`, `"  "`, `" b"`), as in GPT-2.
///
/// Concatenating the chunks always gives back the input exactly.
public enum PreTokenizer {
    /// Splits `text` into pre-token chunks (see the type documentation for the rules).
    public static func split(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { buf in
            var out: [String] = []
            forEachChunk(buf) { range in
                out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[range]), as: UTF8.self))
            }
            return out
        }
    }

    enum ScalarClass: UInt8 {
        case letter, digit, space, newline, whitespace, symbol
    }

    /// Calls `body` with the byte range of every chunk of `buf`, in order.
    /// `buf` must hold valid UTF-8 (malformed bytes are treated as one-byte symbols, never trapped on).
    static func forEachChunk(_ buf: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        let n = buf.count
        var i = 0
        while i < n {
            let start = i
            let (cls, len) = classify(buf, i)
            switch cls {
            case .letter:
                i = consumeWord(buf, from: i + len)
            case .digit:
                i += len
            case .symbol:
                i = consumeSymbols(buf, from: i + len)
            case .newline:
                i += len
                while i < n {
                    let (c, l) = classify(buf, i)
                    guard c == .newline else { break }
                    i += l
                }
            case .space, .whitespace:
                if cls == .space && i + 1 < n {
                    let (next, nextLen) = classify(buf, i + 1)
                    if next == .letter {
                        i = consumeWord(buf, from: i + 1 + nextLen)
                        break
                    }
                    if next == .symbol {
                        i = consumeSymbols(buf, from: i + 1 + nextLen)
                        break
                    }
                }
                // A run of non-newline whitespace.
                var last = i
                i += len
                while i < n {
                    let (c, l) = classify(buf, i)
                    guard c == .space || c == .whitespace else { break }
                    last = i
                    i += l
                }
                if i < n, last > start, buf[last] == 0x20 {
                    let (next, _) = classify(buf, i)
                    if next == .letter || next == .symbol { i = last }
                }
            }
            body(start..<i)
        }
    }

    @inline(__always)
    private static func consumeWord(_ buf: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = buf.count
        var i = start
        while i < n {
            let (c, l) = classify(buf, i)
            if c == .letter { i += l; continue }
            let apostrophe = apostropheLength(buf, i)
            if apostrophe > 0, i + apostrophe < n, classify(buf, i + apostrophe).0 == .letter {
                i += apostrophe
                continue
            }
            break
        }
        return i
    }

    @inline(__always)
    private static func consumeSymbols(_ buf: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < buf.count {
            let (c, l) = classify(buf, i)
            guard c == .symbol else { break }
            i += l
        }
        return i
    }

    /// Length in bytes of an apostrophe (`'` or U+2019) at `i`, or 0.
    @inline(__always)
    private static func apostropheLength(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        if buf[i] == 0x27 { return 1 }
        if buf[i] == 0xE2, i + 2 < buf.count, buf[i + 1] == 0x80, buf[i + 2] == 0x99 { return 3 }
        return 0
    }

    /// The class of the scalar starting at byte `i`, and its length in bytes.
    @inline(__always)
    static func classify(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int) -> (ScalarClass, Int) {
        let b = buf[i]
        if b < 0x80 {
            switch b {
            case 0x61...0x7A, 0x41...0x5A: return (.letter, 1)
            case 0x30...0x39: return (.digit, 1)
            case 0x20: return (.space, 1)
            case 0x0A...0x0D: return (.newline, 1)
            case 0x09: return (.whitespace, 1)
            default: return (.symbol, 1)
            }
        }
        return classifyNonASCII(buf, i)
    }

    private static func classifyNonASCII(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int) -> (ScalarClass, Int) {
        let b = buf[i]
        let len: Int
        var value: UInt32
        switch b {
        case 0xC0...0xDF: len = 2; value = UInt32(b & 0x1F)
        case 0xE0...0xEF: len = 3; value = UInt32(b & 0x0F)
        case 0xF0...0xF7: len = 4; value = UInt32(b & 0x07)
        default: return (.symbol, 1)
        }
        guard i + len <= buf.count else { return (.symbol, 1) }
        for k in 1..<len {
            let c = buf[i + k]
            guard c & 0xC0 == 0x80 else { return (.symbol, 1) }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return (.symbol, len) }
        let props = scalar.properties
        switch props.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark:
            return (.letter, len)
        case .decimalNumber:
            return (.digit, len)
        default:
            break
        }
        if props.isWhitespace {
            let isLineBreak = value == 0x85 || value == 0x2028 || value == 0x2029
            return (isLineBreak ? .newline : .whitespace, len)
        }
        return (.symbol, len)
    }
}
