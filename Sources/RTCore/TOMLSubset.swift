/// A value in the TOML subset that board files and scenario files use.
public enum TOMLValue: Sendable, Equatable {
    case integer(Int64)
    case float(Double)
    case string(String)
    case boolean(Bool)
    case array([TOMLValue])

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .integer: return "an integer"
        case .float: return "a number"
        case .string: return "a string"
        case .boolean: return "a boolean"
        case .array: return "an array"
        }
    }
}

/// One `[table]` or one element of a `[[array]]` of tables, with the line each key came from.
public struct TOMLTable: Sendable, Equatable {
    /// The header as written (`""` for the keys before any header).
    public var name: String
    /// Line of the header (0 for the root table).
    public var line: Int
    public var values: [String: TOMLValue] = [:]
    public var lines: [String: Int] = [:]
    /// Keys in the order they appeared.
    public var keyOrder: [String] = []

    public init(name: String, line: Int) {
        self.name = name
        self.line = line
    }
}

/// A parsed file: the root table, named tables and arrays of tables.
public struct TOMLDocument: Sendable, Equatable {
    public var root = TOMLTable(name: "", line: 0)
    /// `[name]` tables (dotted names allowed).
    public var tables: [String: TOMLTable] = [:]
    /// `[[name]]` arrays of tables, in file order.
    public var arrays: [String: [TOMLTable]] = [:]
}

/// Why a file is not valid TOML-subset text; names the line.
public struct TOMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }
}

/// Parses the TOML subset that board files (`firmware-mock/boards`) and scenario files
/// (`firmware-mock/scenarios`) use — one parser for both: comments, `key = value`, `[table]`, `[[array]]`,
/// integers (`_` separators, `0x`), floats, basic strings (escapes `\"`, `\\`, `\n`, `\t`),
/// booleans and one-line arrays of those. Anything else is a `TOMLSyntaxError` naming the line.
///
/// Why not full TOML or YAML: the package takes no new dependency for a format this small, and a
/// hand-written parser can say exactly which line is wrong. Foundation-free, so the real-time core
/// can read its boards with it; it runs at start-up only, never in the tick.
public enum TOMLSubset {
    /// Parses `text`.
    /// - Throws: `TOMLSyntaxError` at the first problem.
    public static func parse(_ text: String) throws(TOMLSyntaxError) -> TOMLDocument {
        var document = TOMLDocument()
        // Where `key = value` lines go: the root, a table, or the last element of an array.
        enum Destination { case root, table(String), array(String) }
        var destination = Destination.root
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(String(rawLine)).tomlTrimmed
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]") else {
                    throw TOMLSyntaxError(line: lineNumber, message: "array header is missing its closing ']]'")
                }
                let name = String(line.dropFirst(2).dropLast(2)).tomlTrimmed
                try checkTableName(name, line: lineNumber)
                if document.tables[name] != nil {
                    throw TOMLSyntaxError(line: lineNumber, message: "[[\(name)]] reuses the name of the table [\(name)]")
                }
                document.arrays[name, default: []].append(TOMLTable(name: name, line: lineNumber))
                destination = .array(name)
                continue
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw TOMLSyntaxError(line: lineNumber, message: "table header is missing its closing ']'")
                }
                let name = String(line.dropFirst().dropLast()).tomlTrimmed
                try checkTableName(name, line: lineNumber)
                if document.tables[name] != nil || document.arrays[name] != nil {
                    throw TOMLSyntaxError(line: lineNumber, message: "table [\(name)] is defined twice")
                }
                document.tables[name] = TOMLTable(name: name, line: lineNumber)
                destination = .table(name)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw TOMLSyntaxError(line: lineNumber, message: "expected 'key = value', found '\(line)'")
            }
            let key = String(line[..<equals]).tomlTrimmed
            let valueText = String(line[line.index(after: equals)...]).tomlTrimmed
            guard !key.isEmpty, key.allSatisfy(isBareKeyCharacter) else {
                throw TOMLSyntaxError(
                    line: lineNumber, message: "invalid key '\(key)' (letters, digits, '_' and '-' only)")
            }
            let value = try parseValue(valueText, line: lineNumber)
            func insert(into table: inout TOMLTable) throws(TOMLSyntaxError) {
                guard table.values[key] == nil else {
                    let here = table.name.isEmpty ? "at the top level" : "in [\(table.name)]"
                    throw TOMLSyntaxError(
                        line: lineNumber, message: "key '\(key)' is defined twice \(here) (first at line \(table.lines[key] ?? 0))")
                }
                table.values[key] = value
                table.lines[key] = lineNumber
                table.keyOrder.append(key)
            }
            switch destination {
            case .root: try insert(into: &document.root)
            case .table(let name): try insert(into: &document.tables[name]!)
            case .array(let name):
                let last = document.arrays[name]!.count - 1
                try insert(into: &document.arrays[name]![last])
            }
        }
        return document
    }

    static func checkTableName(_ name: String, line: Int) throws(TOMLSyntaxError) {
        guard !name.isEmpty, name.allSatisfy({ isBareKeyCharacter($0) || $0 == "." }) else {
            throw TOMLSyntaxError(line: line, message: "invalid table name '\(name)'")
        }
    }

    static func isBareKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
    }

    /// Removes a `#` comment that is not inside a string.
    public static func stripComment(_ line: String) -> String {
        var inString = false
        var escaped = false
        var result = ""
        for c in line {
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "#" {
                break
            }
            result.append(c)
        }
        return result
    }

    static func parseValue(_ text: String, line: Int) throws(TOMLSyntaxError) -> TOMLValue {
        if text.isEmpty { throw TOMLSyntaxError(line: line, message: "missing value after '='") }
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if text.hasPrefix("\"") { return .string(try parseString(text, line: line)) }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else {
                throw TOMLSyntaxError(line: line, message: "arrays must close on the same line")
            }
            let inner = String(text.dropFirst().dropLast()).tomlTrimmed
            var items: [TOMLValue] = []
            for part in splitArrayItems(inner) {
                let item = part.tomlTrimmed
                if item.isEmpty { continue }  // a trailing comma
                if item.hasPrefix("[") {
                    throw TOMLSyntaxError(line: line, message: "nested arrays are not supported")
                }
                items.append(try parseValue(item, line: line))
            }
            return .array(items)
        }
        if text.hasPrefix("{") {
            throw TOMLSyntaxError(
                line: line, message: "inline tables are not supported; use a [table] or [[array]] header")
        }
        if let integer = parseInteger(text) { return .integer(integer) }
        let cleaned = String(text.filter { $0 != "_" })
        if cleaned.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let value = Double(cleaned) {
            return .float(value)
        }
        throw TOMLSyntaxError(line: line, message: "cannot read value '\(text)' (strings need double quotes)")
    }

    static func parseString(_ text: String, line: Int) throws(TOMLSyntaxError) -> String {
        guard text.count >= 2, text.hasSuffix("\"") else {
            throw TOMLSyntaxError(line: line, message: "unterminated string \(text)")
        }
        var out = ""
        var escaped = false
        for c in text.dropFirst().dropLast() {
            if escaped {
                switch c {
                case "\"", "\\": out.append(c)
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: throw TOMLSyntaxError(line: line, message: "unsupported escape '\\\(c)' in string")
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                throw TOMLSyntaxError(line: line, message: "unexpected '\"' inside string \(text)")
            } else {
                out.append(c)
            }
        }
        if escaped { throw TOMLSyntaxError(line: line, message: "unterminated string \(text)") }
        return out
    }

    /// Splits array items on commas that are not inside strings.
    static func splitArrayItems(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var inString = false
        var escaped = false
        for c in text {
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                current.append(c)
            } else if c == "," {
                items.append(current)
                current = ""
            } else {
                if c == "\"" { inString = true }
                current.append(c)
            }
        }
        items.append(current)
        return items
    }

    static func parseInteger(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if body.first == "+" || body.first == "-" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        let cleaned = String(body.filter { $0 != "_" })
        guard !cleaned.isEmpty else { return nil }
        let magnitude: Int64?
        if cleaned.hasPrefix("0x") || cleaned.hasPrefix("0X") {
            magnitude = Int64(cleaned.dropFirst(2), radix: 16)
        } else if cleaned.allSatisfy({ $0.isASCII && $0.isNumber }) {
            magnitude = Int64(cleaned)
        } else {
            magnitude = nil
        }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }
}

extension String {
    var tomlTrimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
