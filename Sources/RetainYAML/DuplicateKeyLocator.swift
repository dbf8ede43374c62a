import Foundation

/// Best-effort location of a repeated key in block-style YAML: the line and column of the second
/// occurrence and the key's field path, found from indentation. Nil for layouts it cannot follow
/// (flow mappings, quoted or complex keys); the caller then reports the first occurrence.
struct DuplicateKeyLocator {
    let lines: [Substring]

    init(yaml: String) {
        lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    private func indent(_ line: Substring) -> Int { line.prefix(while: { $0 == " " }).count }

    private func isBlank(_ line: Substring) -> Bool {
        let rest = line.drop(while: { $0 == " " || $0 == "\t" })
        return rest.isEmpty || rest.hasPrefix("#")
    }

    /// The key a `key: value` text starts with, if it is a plain key.
    private func leadingKey(_ text: Substring) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let key = text[..<colon]
        let after = text[text.index(after: colon)...]
        guard !key.isEmpty, after.isEmpty || after.first == " " || after.first == "\t",
              !key.contains(where: { "\"'{}[],#&*!|>%@`".contains($0) }) else { return nil }
        return key.trimmingCharacters(in: .whitespaces)
    }

    /// Whether line `number` (1-based) has `key` as a plain mapping key at `column` (1-based).
    private func hasKey(_ key: String, line number: Int, column: Int) -> Bool {
        guard number >= 1, number <= lines.count else { return false }
        let line = lines[number - 1]
        guard line.count >= column else { return false }
        return leadingKey(line.dropFirst(column - 1)) == key
    }

    func locate(key: String, line firstLine: Int, column: Int) -> (Int, Int, String)? {
        guard hasKey(key, line: firstLine, column: column) else { return nil }
        // The repeat: the next line with the key at the same column, before the block ends.
        var repeatLine: Int?
        var number = firstLine + 1
        while number <= lines.count {
            let line = lines[number - 1]
            if !isBlank(line) {
                if indent(line) < column - 1 { break }
                if indent(line) == column - 1 && hasKey(key, line: number, column: column) { repeatLine = number; break }
            }
            number += 1
        }
        guard let repeatLine else { return nil }
        return (repeatLine, column, path(key: key, line: firstLine, column: column) ?? "")
    }

    /// The column (0-based) and name of the plain key a line holds, after any "- " item markers.
    private func keyOnLine(_ number: Int) -> (column: Int, name: String)? {
        guard number >= 1, number <= lines.count else { return nil }
        let line = lines[number - 1]
        var column = indent(line)
        var rest = line.dropFirst(column)
        while rest.hasPrefix("- ") {
            let afterDash = rest.dropFirst().drop(while: { $0 == " " })
            column += rest.count - afterDash.count
            rest = afterDash
        }
        guard let name = leadingKey(rest) else { return nil }
        return (column, name)
    }

    /// The column (0-based) of the item dash just before the key at `column` on line `number`,
    /// when that key opens a sequence item ("- kind: x").
    private func itemDash(line number: Int, keyColumn: Int) -> Int? {
        let line = lines[number - 1]
        let before = line.prefix(keyColumn)
        guard let dash = before.lastIndex(of: "-"),
              before.allSatisfy({ $0 == " " || $0 == "-" }) else { return nil }
        return before.distance(from: before.startIndex, to: dash)
    }

    /// The field path of the key at (`line`, `column`), walking up through less-indented parents.
    private func path(key: String, line: Int, column: Int) -> String? {
        var components = [key]          // leaf first
        var current = line
        var keyColumn = column - 1
        while true {
            if let dash = itemDash(line: current, keyColumn: keyColumn) {
                // The key opens a sequence item: count the items before it back to the parent key.
                var index = 0
                var number = current - 1
                while number >= 1 {
                    let text = lines[number - 1]
                    if !isBlank(text) {
                        let ind = indent(text)
                        if ind == dash && text.dropFirst(ind).hasPrefix("-") { index += 1 }
                        else if ind <= dash { break }
                    }
                    number -= 1
                }
                guard let parent = keyOnLine(number), parent.column <= dash else { return nil }
                components.append("\(parent.name)[\(index)]")
                current = number
                keyColumn = parent.column
                continue
            }
            if keyColumn == 0 { break }
            // The nearest earlier line indented less than the key holds its parent.
            var number = current - 1
            while number >= 1 {
                let text = lines[number - 1]
                if !isBlank(text) && indent(text) < keyColumn { break }
                number -= 1
            }
            guard let parent = keyOnLine(number) else { return nil }
            if parent.column == keyColumn {
                // A sibling that opens the same sequence item ("- kind: x" above "  model: y").
                current = number
                continue
            }
            guard parent.column < keyColumn else { return nil }
            components.append(parent.name)
            current = number
            keyColumn = parent.column
        }
        return components.reversed().joined(separator: ".")
    }
}
