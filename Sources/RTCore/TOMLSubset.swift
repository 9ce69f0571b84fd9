/// A value in the TOML subset that board files use.
public enum TOMLValue: Sendable, Equatable {
    case integer(Int64)
    case float(Double)
    case string(String)
    case boolean(Bool)
    case integerArray([Int64])
}

/// A parsed board file: `[table]` (dotted names allowed) → key → value, with the line each key
/// came from so that board validation can point at it.
public struct TOMLDocument: Sendable {
    /// Tables by full dotted name; keys before any header are in the table `""`.
    public var tables: [String: [String: TOMLValue]] = [:]
    /// Line number of each `table.key`.
    public var lines: [String: Int] = [:]
    /// Tables in the order they appeared.
    public var tableOrder: [String] = []
}

/// Why a board file is not valid TOML-subset text.
public struct TOMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Parses the subset of TOML 1.0 that board files need: comments, `[table]` and `[a.b]` headers,
/// `key = value` with integers (decimal, `0x` hex, `_` separators, sign), floats (`1.5`, `1e-3`),
/// basic strings without escapes other than `\"` and `\\`, booleans, and one-line integer arrays.
/// Not supported (a clear error): inline tables, arrays of tables, multi-line values, dates.
///
/// Runs at start-up only, never in the tick.
public enum TOMLSubset {
    /// Parses `text`.
    /// - Throws: `TOMLSyntaxError` naming the line of the first problem.
    public static func parse(_ text: String) throws(TOMLSyntaxError) -> TOMLDocument {
        var document = TOMLDocument()
        var table = ""
        document.tables[""] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(String(rawLine)).trimmed
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                throw TOMLSyntaxError(line: lineNumber, message: "arrays of tables are not supported in board files")
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw TOMLSyntaxError(line: lineNumber, message: "table header is missing its closing ']'")
                }
                let name = String(line.dropFirst().dropLast()).trimmed
                guard !name.isEmpty, name.allSatisfy({ isBareKeyCharacter($0) || $0 == "." }) else {
                    throw TOMLSyntaxError(line: lineNumber, message: "invalid table name '\(name)'")
                }
                if document.tables[name] != nil && name != "" {
                    throw TOMLSyntaxError(line: lineNumber, message: "table [\(name)] is defined twice")
                }
                table = name
                document.tables[name] = [:]
                document.tableOrder.append(name)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw TOMLSyntaxError(line: lineNumber, message: "expected 'key = value', found '\(line)'")
            }
            let key = String(line[..<equals]).trimmed
            let valueText = String(line[line.index(after: equals)...]).trimmed
            guard !key.isEmpty, key.allSatisfy(isBareKeyCharacter) else {
                throw TOMLSyntaxError(line: lineNumber, message: "invalid key '\(key)'")
            }
            guard document.tables[table]?[key] == nil else {
                throw TOMLSyntaxError(line: lineNumber, message: "key '\(key)' is defined twice in [\(table)]")
            }
            let value = try parseValue(valueText, line: lineNumber)
            document.tables[table, default: [:]][key] = value
            document.lines[table.isEmpty ? key : "\(table).\(key)"] = lineNumber
        }
        return document
    }

    static func isBareKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
    }

    /// Removes a `#` comment that is not inside a string.
    static func stripComment(_ line: String) -> String {
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
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else {
                throw TOMLSyntaxError(line: line, message: "unterminated string \(text)")
            }
            var out = ""
            var escaped = false
            for c in text.dropFirst().dropLast() {
                if escaped {
                    guard c == "\"" || c == "\\" else {
                        throw TOMLSyntaxError(line: line, message: "unsupported escape '\\\(c)' in string")
                    }
                    out.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else {
                    out.append(c)
                }
            }
            return .string(out)
        }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else {
                throw TOMLSyntaxError(line: line, message: "arrays must close on the same line")
            }
            let inner = String(text.dropFirst().dropLast()).trimmed
            if inner.isEmpty { return .integerArray([]) }
            var values: [Int64] = []
            for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let item = String(part).trimmed
                if item.isEmpty { continue }  // a trailing comma
                guard let value = parseInteger(item) else {
                    throw TOMLSyntaxError(line: line, message: "arrays may hold integers only; found '\(item)'")
                }
                values.append(value)
            }
            return .integerArray(values)
        }
        if text.hasPrefix("{") {
            throw TOMLSyntaxError(line: line, message: "inline tables are not supported in board files")
        }
        if let integer = parseInteger(text) { return .integer(integer) }
        let cleaned = text.replacingUnderscores
        if cleaned.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let value = Double(cleaned) {
            return .float(value)
        }
        throw TOMLSyntaxError(line: line, message: "cannot read value '\(text)' (strings need double quotes)")
    }

    static func parseInteger(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if body.first == "+" || body.first == "-" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        let cleaned = String(body).replacingUnderscores
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
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }

    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
