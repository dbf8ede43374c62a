import Foundation
import Yams

/// Reading a YAML file and composing it into a node tree, with every failure a positioned
/// `YAMLError`.
public enum YAMLDocument {
    /// Composes `yaml` into its root node. libyaml's errors become `.syntax` errors at their
    /// position; a repeated key becomes `.duplicate`, pointed at the repeat with its field path
    /// when `locateDuplicateKeys` and the block layout allow, else at the first occurrence. An
    /// empty or null document is `.missingRequired` at 1:1 with `emptyMessage`. `file` is only
    /// used in errors.
    public static func compose(yaml: String, file: String, emptyMessage: String, locateDuplicateKeys: Bool = true) throws -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, yaml: yaml, file: file, locateDuplicateKeys: locateDuplicateKeys)
        }
        guard let root, !root.isNull else {
            throw YAMLError(kind: .missingRequired, file: file, line: 1, column: 1, path: "", message: emptyMessage)
        }
        return root
    }

    /// The text of the file at `path` (errors name the path as given; `what` names the kind of
    /// file in messages: "no such spec file", "the budget file is not valid UTF-8 ...").
    public static func readFile(path: String, what: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw YAMLError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "no such \(what) file")
        }
        guard !isDirectory.boolValue else {
            throw YAMLError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "is a directory, not a \(what) file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "cannot read the \(what) file")
        }
        var text = try decodeUTF8(data, file: path, what: what)
        // A leading byte-order mark (editors on Windows write one) is dropped, so it neither
        // shifts line 1's columns nor trips libyaml on a multi-line file.
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        return text
    }

    /// Decodes UTF-8, reporting the line and column of the first invalid byte.
    static func decodeUTF8(_ data: Data, file: String, what: String) throws -> String {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var line = 1, column = 1, offset = 0
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                offset += scalar.utf8.count
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                return String(scalars)
            case .error:
                throw YAMLError(kind: .notUTF8, file: file, line: line, column: column, path: "",
                                message: "the \(what) file is not valid UTF-8 (invalid byte near byte offset \(offset))")
            }
        }
    }

    /// Turns a Yams/libyaml error into a positioned `YAMLError`.
    static func syntaxError(_ error: YamlError, yaml: String, file: String, locateDuplicateKeys: Bool) -> YAMLError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return YAMLError(kind: .syntax, file: file, line: mark.line, column: mark.column, path: "", message: message)
        case .reader(let problem, let offset, _, _):
            var line = 1, column = 1
            if let offset {
                for character in yaml.prefix(offset) {
                    if character == "\n" || character == "\r\n" { line += 1; column = 1 } else { column += 1 }
                }
            }
            return YAMLError(kind: .syntax, file: file, line: line, column: column, path: "", message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams reports the first occurrence of the (alphabetically) first duplicated key;
            // point at its repeat and name its path when the block layout makes that possible.
            let key = duplicates.first ?? ""
            let first = context.mark
            if locateDuplicateKeys,
               let (line, column, path) = DuplicateKeyLocator(yaml: yaml).locate(key: key, line: first.line, column: first.column) {
                return YAMLError(kind: .duplicate, file: file, line: line, column: column, path: path,
                                 message: "duplicate key (first given at line \(first.line)); each key may appear once in a mapping")
            }
            let keys = duplicates.map(quotedName).joined(separator: ", ")
            return YAMLError(kind: .duplicate, file: file, line: first.line, column: first.column, path: "",
                             message: "duplicate key \(keys) in one mapping; each key may appear once")
        default:
            return YAMLError(kind: .syntax, file: file, line: 1, column: 1, path: "", message: "YAML error: \(error)")
        }
    }
}
