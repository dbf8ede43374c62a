import Foundation

/// A user-facing error: the message says which file or option is wrong and what was expected.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// A decoding error as "field a.b: expected T" rather than Foundation's debug dump.
func describe(_ e: DecodingError) -> String {
    func path(_ ctx: DecodingError.Context) -> String {
        ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch e {
    case let .typeMismatch(type, ctx): return "field \(path(ctx)): expected \(type)"
    case let .valueNotFound(type, ctx): return "field \(path(ctx)): expected a value of type \(type)"
    case let .keyNotFound(key, ctx):
        let parent = path(ctx)
        return "missing field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
    case let .dataCorrupted(ctx): return "not valid JSON (\(ctx.debugDescription))"
    @unknown default: return "\(e)"
    }
}

/// Where progress lines go: stdout for a human, stderr when stdout carries JSON.
func progressLog(json: Bool) -> (String) -> Void {
    { line in
        if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
    }
}

/// Prints a value as pretty, key-sorted JSON on stdout (the machine-readable form of a report).
func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
