import AppCore
import Foundation
import Testing
import WasmKit

/// One definition of the module ABI: the host's catalogue (`HostFunctionCatalog`), the table of
/// `docs/module-abi.md`, the C header and the Rust bindings must name the same functions, with the
/// same capability and Wasm signature, and the same channel and target numbers.
@Suite("Module ABI: docs, C header, Rust bindings and host agree")
struct ABIConsistencyTests {
    struct Function: Hashable, CustomStringConvertible {
        var name: String
        var capability: String
        var signature: String  // "(i32,i32)->i32"
        var description: String { "\(capability) \(name) \(signature)" }
    }

    static func file(_ relative: String) throws -> String {
        try String(contentsOfFile: TestModules.packageRoot + "/" + relative, encoding: .utf8)
    }

    static func signature(_ parameters: [String], _ results: [String]) -> String {
        "(" + parameters.joined(separator: ",") + ")->" + results.joined(separator: ",")
    }

    static func hostFunctions() -> Set<Function> {
        func name(_ type: ValueType) -> String { type == .i64 ? "i64" : type == .i32 ? "i32" : "\(type)" }
        return Set(HostFunctionCatalog.entries.map { key, entry in
            Function(
                name: key, capability: entry.capability.rawValue,
                signature: signature(entry.parameters.map(name), entry.results.map(name)))
        })
    }

    /// Rows of the "Host functions" table: `| cap | name | (i32 a, i32 b) -> i32 | … |`.
    static func documented() throws -> Set<Function> {
        var result = Set<Function>()
        for line in try file("docs/module-abi.md").split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            guard cells.count >= 3, cells[2].hasPrefix("("), let arrow = cells[2].range(of: "->") else { continue }
            let parameters = cells[2][cells[2].index(after: cells[2].startIndex)..<arrow.lowerBound]
                .replacingOccurrences(of: ")", with: "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? "" }
                .filter { !$0.isEmpty }
            let result_ = cells[2][arrow.upperBound...].trimmingCharacters(in: .whitespaces)
            result.insert(Function(
                name: cells[1], capability: cells[0],
                signature: signature(parameters, result_ == "()" ? [] : [result_])))
        }
        return result
    }

    /// `SSOC_IMPORT(name) RET ssoc_name(PARAMS);` under `/* ---- capability "X" */` comments.
    static func cHeader() throws -> Set<Function> {
        func wasm(_ c: String) -> String? {
            let type = c.trimmingCharacters(in: .whitespaces)
            if type == "void" || type.isEmpty { return nil }
            if type.contains("*") { return "i32" }  // a pointer is an i32 offset on wasm32
            return type.hasPrefix("int64_t") || type.hasPrefix("uint64_t") ? "i64" : "i32"
        }
        var capability = ""
        var result = Set<Function>()
        for line in try file("firmware-mock/sdk/splitsoc.h").split(separator: "\n") {
            if let range = line.range(of: "capability \"") {
                capability = String(line[range.upperBound...].prefix { $0 != "\"" })
            }
            guard line.hasPrefix("SSOC_IMPORT("), let close = line.firstIndex(of: ")"),
                let open = line.lastIndex(of: "("), let end = line.lastIndex(of: ")")
            else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 12)..<close])
            let declaration = line[line.index(after: close)..<open]
            let returnType = declaration.split(separator: " ").dropLast().joined(separator: " ")
            let parameters = line[line.index(after: open)..<end].split(separator: ",")
                .map { $0.split(separator: " ").dropLast().joined(separator: " ") + ($0.contains("*") ? "*" : "") }
                .compactMap(wasm)
            result.insert(Function(name: name, capability: capability, signature: signature(parameters, wasm(returnType).map { [$0] } ?? [])))
        }
        return result
    }

    /// `#[link_name = "name"] pub fn ssoc_name(a: i32, …) -> i32;` under `// capability` comments.
    static func rustBindings() throws -> Set<Function> {
        var capability = ""
        var name = ""
        var result = Set<Function>()
        for raw in try file("firmware-mock/sdk/rust/splitsoc/src/lib.rs").split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("// "), line.dropFirst(3).allSatisfy({ $0.isLetter || $0 == "." }) {
                capability = String(line.dropFirst(3))
            } else if line.hasPrefix("#[link_name = \"") {
                name = String(line.dropFirst(15).prefix { $0 != "\"" })
            } else if line.hasPrefix("pub fn ssoc_"), let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")") {
                let parameters = line[line.index(after: open)..<close].split(separator: ",").map { parameter -> String in
                    let type = parameter.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                    return type == "i64" ? "i64" : "i32"  // i32, and pointers (*mut/*const) on wasm32
                }
                let returns = line.range(of: "->").map { [line[$0.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: " ;"))] } ?? []
                result.insert(Function(name: name, capability: capability, signature: signature(parameters, returns)))
            }
        }
        return result
    }

    @Test("The four definitions of the host functions are the same")
    func hostFunctionsAgree() throws {
        let host = Self.hostFunctions()
        #expect(host.count >= 9)
        #expect(try Self.documented() == host, "docs/module-abi.md")
        #expect(try Self.cHeader() == host, "splitsoc.h")
        #expect(try Self.rustBindings() == host, "rust/splitsoc/src/lib.rs")
    }

    @Test("Channel and target numbers agree between the C header and the Rust bindings")
    func constantsAgree() throws {
        func cDefines(_ prefix: String) throws -> [String: String] {
            var result: [String: String] = [:]
            for line in try Self.file("firmware-mock/sdk/splitsoc.h").split(separator: "\n") where line.hasPrefix("#define \(prefix)") {
                let words = line.split(separator: " ")
                result[String(words[1].dropFirst(prefix.count))] = String(words[2])
            }
            return result
        }
        func rustConstants(module: String) throws -> [String: String] {
            let text = try Self.file("firmware-mock/sdk/rust/splitsoc/src/lib.rs")
            guard let start = text.range(of: "pub mod \(module) {") else { return [:] }
            var result: [String: String] = [:]
            for line in text[start.upperBound...].split(separator: "\n") {
                if line.trimmingCharacters(in: .whitespaces) == "}" { break }
                guard let range = line.range(of: "pub const ") else { continue }
                let rest = line[range.upperBound...]
                let name = rest.prefix { $0 != ":" }
                let value = rest.split(separator: "=").last?.trimmingCharacters(in: CharacterSet(charactersIn: " ;")) ?? ""
                result[String(name)] = value
            }
            return result
        }
        #expect(try rustConstants(module: "channel") == cDefines("SSOC_CH_"))
        #expect(try rustConstants(module: "target") == cDefines("SSOC_TARGET_"))
        #expect(try rustConstants(module: "status") == cDefines("SSOC_STATUS_"))
        #expect(try rustConstants(module: "level") == cDefines("SSOC_LOG_"))
    }
}
