/// Byte-level reading and writing of the WebAssembly binary format: the LEB128 integers and
/// section framing the budget rewrite (`BudgetInstrumentation`) needs to re-emit a module.
/// WasmParser does the real parsing; this is only what it does not expose (raw byte ranges).

/// Why a module could not be rewritten (reported as `invalid-binary`).
struct WasmRewriteError: Error, CustomStringConvertible {
    var description: String
}

/// A cursor over module bytes. Every read is bounds-checked and throws on truncation.
struct WasmByteReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var atEnd: Bool { position >= end }

    mutating func byte() throws(WasmRewriteError) -> UInt8 {
        guard position < end else { throw WasmRewriteError(description: "unexpected end at byte \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    /// An unsigned LEB128 of at most 32 bits.
    mutating func u32() throws(WasmRewriteError) -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let next = try byte()
            guard shift < 32 else { throw WasmRewriteError(description: "LEB128 too long at byte \(position)") }
            result |= UInt32(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Skips a signed LEB128 (any width).
    mutating func skipLEB() throws(WasmRewriteError) {
        while try byte() & 0x80 != 0 {}
    }

    mutating func skip(_ count: Int) throws(WasmRewriteError) {
        guard count >= 0, count <= end - position else {
            throw WasmRewriteError(description: "unexpected end at byte \(position)")
        }
        position += count
    }

    /// A length-prefixed name, skipped.
    mutating func skipName() throws(WasmRewriteError) { try skip(Int(try u32())) }
}

/// Appends WebAssembly encodings to a byte array.
struct WasmByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) {
        var rest = value
        repeat {
            var next = UInt8(rest & 0x7F)
            rest >>= 7
            if rest != 0 { next |= 0x80 }
            bytes.append(next)
        } while rest != 0
    }

    mutating func s32(_ value: Int32) {
        var rest = value
        while true {
            let next = UInt8(truncatingIfNeeded: rest) & 0x7F
            rest >>= 7
            let done = (rest == 0 && next & 0x40 == 0) || (rest == -1 && next & 0x40 != 0)
            bytes.append(done ? next : next | 0x80)
            if done { return }
        }
    }

    mutating func name(_ text: String) {
        let utf8 = Array(text.utf8)
        u32(UInt32(utf8.count))
        bytes += utf8
    }

    mutating func append(_ other: ArraySlice<UInt8>) { bytes += other }

    /// Appends a section: id, LEB128 size, payload.
    mutating func section(_ id: UInt8, _ payload: [UInt8]) {
        bytes.append(id)
        u32(UInt32(payload.count))
        bytes += payload
    }
}

/// One section of a module: its id and the byte range of its payload.
struct WasmSection {
    var id: UInt8
    var payload: Range<Int>

    /// Splits a module into sections (after the 8-byte header).
    static func split(_ bytes: [UInt8]) throws(WasmRewriteError) -> [WasmSection] {
        guard bytes.count >= 8 else { throw WasmRewriteError(description: "no WebAssembly header") }
        var reader = WasmByteReader(bytes, range: 8..<bytes.count)
        var sections: [WasmSection] = []
        while !reader.atEnd {
            let id = try reader.byte()
            let size = Int(try reader.u32())
            let start = reader.position
            try reader.skip(size)
            sections.append(WasmSection(id: id, payload: start..<start + size))
        }
        return sections
    }

    /// The name of a custom section (id 0), nil for other sections.
    func customName(in bytes: [UInt8]) -> String? {
        guard id == 0 else { return nil }
        var reader = WasmByteReader(bytes, range: payload)
        guard let length = try? reader.u32(), Int(length) <= payload.upperBound - reader.position else { return nil }
        return String(decoding: bytes[reader.position..<reader.position + Int(length)], as: UTF8.self)
    }
}

/// Finds memories the ABI cannot host, before WasmParser reports them in its own terms.
enum MemoryFeatureScan {
    /// A sentence for people when a memory (defined or imported) is shared or 64-bit; nil otherwise
    /// (or when the bytes are too broken to tell: the parser then says why).
    static func refusal(in bytes: [UInt8]) -> String? {
        guard let sections = try? WasmSection.split(bytes) else { return nil }
        var flags: [UInt8] = []
        for section in sections where section.id == 2 || section.id == 5 {
            flags += (try? limitFlags(bytes, section)) ?? []
        }
        if flags.contains(where: { $0 & 0x04 != 0 }) {
            return "this module uses a 64-bit memory (memory64); the ABI passes 32-bit pointers: build for wasm32"
        }
        if flags.contains(where: { $0 & 0x02 != 0 }) {
            return "this module uses a shared memory (threads); modules run on one thread: build without -pthread or atomics"
        }
        return nil
    }

    /// The limits flag byte of every memory in an import (2) or memory (5) section.
    private static func limitFlags(_ bytes: [UInt8], _ section: WasmSection) throws(WasmRewriteError) -> [UInt8] {
        var reader = WasmByteReader(bytes, range: section.payload)
        var flags: [UInt8] = []
        for _ in 0..<(try reader.u32()) {
            if section.id == 5 {
                flags.append(try skipLimits(&reader))
                continue
            }
            try reader.skipName()
            try reader.skipName()
            switch try reader.byte() {
            case 0x00: _ = try reader.u32()
            case 0x01:
                let type = try reader.byte()
                if type == 0x63 || type == 0x64 { try reader.skipLEB() }
                _ = try skipLimits(&reader)
            case 0x02: flags.append(try skipLimits(&reader))
            case 0x03:
                let type = try reader.byte()
                if type == 0x63 || type == 0x64 { try reader.skipLEB() }
                _ = try reader.byte()
            case 0x04:
                _ = try reader.byte()
                _ = try reader.u32()
            default: throw WasmRewriteError(description: "unknown import kind")
            }
        }
        return flags
    }

    private static func skipLimits(_ reader: inout WasmByteReader) throws(WasmRewriteError) -> UInt8 {
        let flag = try reader.byte()
        try reader.skipLEB()
        if flag & 0x01 != 0 { try reader.skipLEB() }
        return flag
    }
}
