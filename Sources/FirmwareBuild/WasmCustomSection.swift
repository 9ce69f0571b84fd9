/// Appends custom sections to an encoded WebAssembly module.
///
/// A custom section is section id 0, the LEB128 size of what follows, the LEB128 length of the name,
/// the name's UTF-8 bytes, then the payload. Appending one after linking never disturbs the rest of
/// the module, which is why SplitSoC carries its manifest this way rather than through a C
/// `section` attribute (clang would put that data in a data segment, not a custom section).
public enum WasmCustomSection {
    /// Returns `module` with a custom section `name` holding `payload` appended.
    public static func appending(name: String, payload: [UInt8], to module: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        var body: [UInt8] = []
        appendLEB128(UInt32(nameBytes.count), to: &body)
        body += nameBytes
        body += payload
        var result = module
        result.append(0)
        appendLEB128(UInt32(body.count), to: &result)
        result += body
        return result
    }

    /// Encodes `value` as unsigned LEB128.
    public static func appendLEB128(_ value: UInt32, to bytes: inout [UInt8]) {
        var remaining = value
        repeat {
            var byte = UInt8(remaining & 0x7f)
            remaining >>= 7
            if remaining != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while remaining != 0
    }
}
