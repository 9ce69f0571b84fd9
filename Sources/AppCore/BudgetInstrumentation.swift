import WasmParser

/// The load-time rewrite that lets the host stop a call *while it runs* (WasmKit 0.4.2 has no
/// epoch interruption, and fuel neither sees host calls nor charges nested loops fairly).
///
/// The rewrite adds a mutable i32 global, the *budget counter*, and an import
/// `ssoc_internal.budget_check: () -> i32`. At every function entry and every `loop` header it
/// subtracts a static weight — 1 + (instructions that can run before the next header) / 16 — and,
/// when the counter reaches zero, calls `budget_check`, which reads the wall clock, throws (trapping
/// the call) past the deadline or on an interrupt, and returns the refill. Because every path
/// between two headers is straight-line code within one region, at most `refill × 16` guest
/// instructions run between two clock reads. Bulk memory and table operations are charged by their
/// length (1 unit per KiB) before they run.
///
/// Function indices shift by one (the import comes after the module's own function imports), so
/// `call`, `return_call`, `ref.func`, exports, the start function and element segments are
/// re-encoded; the `name` section is dropped (its indices would be wrong). See
/// docs/design-decisions.md for why this and not a worker process.
enum BudgetInstrumentation {
    /// The import module of the injected function; refused in user modules by the loader.
    static let importModule = "ssoc_internal"
    /// The injected function's import name.
    static let checkName = "budget_check"
    /// Guest instructions per counter unit.
    static let instructionsPerUnit = 16
    /// Bulk-operation bytes per counter unit (a shift: 1 KiB).
    static let bulkBytesShift: Int32 = 10

    /// The module rewritten; throws for encodings it does not handle (reported as invalid-binary).
    static func instrument(_ bytes: [UInt8]) throws(WasmRewriteError) -> [UInt8] {
        let layout = try ModuleLayout(bytes)
        var rewriter = SectionRewriter(bytes: bytes, layout: layout)
        return try rewriter.run()
    }
}

/// What the rewrite needs to know about a module, from WasmParser.
struct ModuleLayout {
    var importedFunctions = 0
    var globals = 0
    var typeCount = 0
    /// Parameter counts by type index (for the scratch local's index).
    var parameterCounts: [Int] = []
    /// Type index of every defined function.
    var functionTypes: [UInt32] = []
    var codes: [Code] = []

    init(_ bytes: [UInt8]) throws(WasmRewriteError) {
        var parser = Parser(bytes: bytes)
        do {
            while let payload = try parser.parseNext() { record(payload) }
        } catch {
            throw WasmRewriteError(description: "\(error)")
        }
        if let types = try WasmSection.split(bytes).first(where: { $0.id == 1 }) {
            parameterCounts = try Self.parameterCounts(bytes, types.payload)
            typeCount = parameterCounts.count
        }
    }

    /// Parameter counts of a type section's function types (`0x60 params results`; the GC
    /// proposal's other forms are not enabled, so WasmParser has already refused them).
    private static func parameterCounts(_ bytes: [UInt8], _ payload: Range<Int>) throws(WasmRewriteError) -> [Int] {
        var reader = WasmByteReader(bytes, range: payload)
        var counts: [Int] = []
        for _ in 0..<(try reader.u32()) {
            guard try reader.byte() == 0x60 else { throw WasmRewriteError(description: "a type that is not a function type") }
            var vectors: [Int] = []
            for _ in 0..<2 {
                let count = Int(try reader.u32())
                vectors.append(count)
                for _ in 0..<count {
                    let type = try reader.byte()
                    if type == 0x63 || type == 0x64 { try reader.skipLEB() }
                }
            }
            counts.append(vectors[0])
        }
        return counts
    }

    private mutating func record(_ payload: ParsingPayload) {
        switch payload {
        case .importSection(let imports):
            for entry in imports {
                switch entry.descriptor {
                case .function: importedFunctions += 1
                case .global: globals += 1
                default: break
                }
            }
        case .functionSection(let types): functionTypes = types
        case .globalSection(let defined): globals += defined.count
        case .codeSection(let bodies): codes = bodies
        default: break
        }
    }
}

/// Re-emits a module section by section with the budget counter, the import and the checks.
struct SectionRewriter {
    let bytes: [UInt8]
    let layout: ModuleLayout
    /// Function index of the injected import; every index at or above it shifts by one.
    var checkFunction: UInt32 { UInt32(layout.importedFunctions) }
    /// Global index of the injected counter.
    var counterGlobal: UInt32 { UInt32(layout.globals) }
    private var out = WasmByteWriter()
    private var emittedType = false
    private var emittedImport = false
    private var emittedGlobal = false

    init(bytes: [UInt8], layout: ModuleLayout) {
        self.bytes = bytes
        self.layout = layout
    }

    /// Standard section order (the tag section sits between memory and global).
    private static func rank(_ id: UInt8) -> Int {
        [1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13][id] ?? 0
    }

    mutating func run() throws(WasmRewriteError) -> [UInt8] {
        out.append(bytes[0..<8])
        for section in try WasmSection.split(bytes) {
            if section.customName(in: bytes) == "name" { continue }
            let rank = Self.rank(section.id)
            if rank > 1 && !emittedType { out.section(1, typeSection(nil)) }
            if rank > 2 && !emittedImport { out.section(2, try importSection(nil)) }
            if rank > 7 && !emittedGlobal { out.section(6, try globalSection(nil)) }
            try emit(section)
        }
        if !emittedType { out.section(1, typeSection(nil)) }
        if !emittedImport { out.section(2, try importSection(nil)) }
        if !emittedGlobal { out.section(6, try globalSection(nil)) }
        return out.bytes
    }

    private mutating func emit(_ section: WasmSection) throws(WasmRewriteError) {
        let payload = section.payload
        switch section.id {
        case 1: out.section(1, typeSection(payload))
        case 2: out.section(2, try importSection(payload))
        case 6: out.section(6, try globalSection(payload))
        case 7: out.section(7, try exportSection(payload))
        case 8:
            var reader = WasmByteReader(bytes, range: payload)
            var writer = WasmByteWriter()
            writer.u32(shifted(try reader.u32()))
            out.section(8, writer.bytes)
        case 9: out.section(9, try elementSection(payload))
        case 10: out.section(10, try codeSection(payload))
        default: out.section(section.id, Array(bytes[payload]))
        }
    }

    func shifted(_ function: UInt32) -> UInt32 { function >= checkFunction ? function + 1 : function }

    // MARK: Sections that gain an entry

    /// Appends `() -> i32`, the check's type, at index `layout.typeCount`.
    private mutating func typeSection(_ payload: Range<Int>?) -> [UInt8] {
        emittedType = true
        return appending(to: payload, entry: [0x60, 0x00, 0x01, 0x7F])
    }

    private mutating func importSection(_ payload: Range<Int>?) throws(WasmRewriteError) -> [UInt8] {
        emittedImport = true
        var entry = WasmByteWriter()
        entry.name(BudgetInstrumentation.importModule)
        entry.name(BudgetInstrumentation.checkName)
        entry.bytes.append(0x00)
        entry.u32(UInt32(layout.typeCount))
        return appending(to: payload, entry: entry.bytes)
    }

    private mutating func globalSection(_ payload: Range<Int>?) throws(WasmRewriteError) -> [UInt8] {
        emittedGlobal = true
        var writer = WasmByteWriter()
        var count: UInt32 = 0
        var reader = WasmByteReader(bytes, range: payload ?? 0..<0)
        if payload != nil {
            count = try reader.u32()
            for _ in 0..<count {
                try copyValueType(&reader, &writer)
                writer.bytes.append(try reader.byte())  // mutability
                try copyConstExpression(&reader, &writer)
            }
        }
        // (global (mut i32) (i32.const refill)): the first call starts with a full counter.
        writer.bytes += [0x7F, 0x01, 0x41]
        writer.s32(BudgetCheck.refillUnits)
        writer.bytes.append(0x0B)
        var section = WasmByteWriter()
        section.u32(count + 1)
        section.bytes += writer.bytes
        return section.bytes
    }

    private func appending(to payload: Range<Int>?, entry: [UInt8]) -> [UInt8] {
        var writer = WasmByteWriter()
        guard let payload else {
            writer.u32(1)
            return writer.bytes + entry
        }
        var reader = WasmByteReader(bytes, range: payload)
        let count = (try? reader.u32()) ?? 0
        writer.u32(count + 1)
        return writer.bytes + bytes[reader.position..<payload.upperBound] + entry
    }

    // MARK: Sections whose function indices shift

    private func exportSection(_ payload: Range<Int>) throws(WasmRewriteError) -> [UInt8] {
        var reader = WasmByteReader(bytes, range: payload)
        var writer = WasmByteWriter()
        let count = try reader.u32()
        writer.u32(count)
        for _ in 0..<count {
            let nameStart = reader.position
            try reader.skipName()
            writer.append(bytes[nameStart..<reader.position])
            let kind = try reader.byte()
            let index = try reader.u32()
            writer.bytes.append(kind)
            writer.u32(kind == 0 ? shifted(index) : index)
        }
        return writer.bytes
    }

    private func elementSection(_ payload: Range<Int>) throws(WasmRewriteError) -> [UInt8] {
        var reader = WasmByteReader(bytes, range: payload)
        var writer = WasmByteWriter()
        let count = try reader.u32()
        writer.u32(count)
        for _ in 0..<count {
            let flags = try reader.u32()
            guard flags <= 7 else { throw WasmRewriteError(description: "element segment flags \(flags)") }
            writer.u32(flags)
            if flags & 0b11 == 0b10 { writer.u32(try reader.u32()) }  // explicit table index
            if flags & 0b01 == 0 { try copyConstExpression(&reader, &writer) }  // active: offset
            let usesExpressions = flags & 0b100 != 0
            if flags & 0b11 != 0 {
                if usesExpressions { try copyValueType(&reader, &writer) } else { writer.bytes.append(try reader.byte()) }
            }
            let items = try reader.u32()
            writer.u32(items)
            for _ in 0..<items {
                if usesExpressions {
                    try copyConstExpression(&reader, &writer)
                } else {
                    writer.u32(shifted(try reader.u32()))
                }
            }
        }
        return writer.bytes
    }

    /// Copies one value type (one byte, or a `ref`/`ref null` prefix and its heap type).
    private func copyValueType(_ reader: inout WasmByteReader, _ writer: inout WasmByteWriter) throws(WasmRewriteError) {
        let first = try reader.byte()
        writer.bytes.append(first)
        if first == 0x63 || first == 0x64 { try copyLEB(&reader, &writer) }
    }

    private func copyLEB(_ reader: inout WasmByteReader, _ writer: inout WasmByteWriter) throws(WasmRewriteError) {
        let start = reader.position
        try reader.skipLEB()
        writer.append(bytes[start..<reader.position])
    }

    /// Copies a constant expression up to its `end`, shifting `ref.func` indices.
    private func copyConstExpression(_ reader: inout WasmByteReader, _ writer: inout WasmByteWriter)
        throws(WasmRewriteError)
    {
        while true {
            let opcode = try reader.byte()
            writer.bytes.append(opcode)
            switch opcode {
            case 0x0B: return
            case 0x41, 0x42, 0x23, 0xD0: try copyLEB(&reader, &writer)
            case 0x43, 0x44:
                let start = reader.position
                try reader.skip(opcode == 0x43 ? 4 : 8)
                writer.append(bytes[start..<reader.position])
            case 0xD2: writer.u32(shifted(try reader.u32()))
            case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E: break  // extended constant arithmetic
            case 0xFD:
                guard try reader.u32() == 12 else { throw WasmRewriteError(description: "constant SIMD operator") }
                writer.u32(12)
                let start = reader.position
                try reader.skip(16)
                writer.append(bytes[start..<reader.position])
            default:
                throw WasmRewriteError(description: "constant expression operator 0x\(String(opcode, radix: 16))")
            }
        }
    }

    // MARK: Code

    private func codeSection(_ payload: Range<Int>) throws(WasmRewriteError) -> [UInt8] {
        var reader = WasmByteReader(bytes, range: payload)
        var writer = WasmByteWriter()
        let count = Int(try reader.u32())
        guard count == layout.codes.count, count == layout.functionTypes.count else {
            throw WasmRewriteError(description: "the code and function sections disagree")
        }
        writer.u32(UInt32(count))
        for index in 0..<count {
            let size = Int(try reader.u32())
            let body = reader.position..<reader.position + size
            try reader.skip(size)
            let typeIndex = Int(layout.functionTypes[index])
            guard typeIndex < layout.parameterCounts.count else {
                throw WasmRewriteError(description: "function \(index) has type \(typeIndex), which does not exist")
            }
            var function = FunctionRewriter(
                bytes: bytes, body: body, code: layout.codes[index], parameters: layout.parameterCounts[typeIndex],
                rewriter: self)
            let rewritten = try function.run()
            writer.u32(UInt32(rewritten.count))
            writer.bytes += rewritten
        }
        return writer.bytes
    }
}
