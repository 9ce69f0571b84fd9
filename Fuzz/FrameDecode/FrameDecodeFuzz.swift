// libFuzzer entry point for the v1 frame decoder. Built by scripts/fuzz.sh together with the
// SoCWire sources into one module (so no `import SoCWire`). Not part of `swift test`: the suite's
// seeded property tests cover the same properties on every run.
//
// Properties (any violation aborts, and libFuzzer keeps the input as a crash artifact):
// - decode never crashes or traps, whatever the bytes;
// - an error's offset lies within the input;
// - an accepted input is canonical: re-encoding the decoded frame gives back exactly the input;
// - the decoded frame decodes again to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    check(input)
    // Random mutations almost never keep the CRC-32C right, which would leave the payload checks
    // unexplored; so also try the same bytes with a correct CRC.
    if size >= Wire.headerSize && size <= Wire.maxFrameSize + 64 {
        withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { copy in
            copy.copyMemory(from: input)
            let crc = ~CRC32C.update(
                CRC32C.update(0xFFFF_FFFF, UnsafeRawBufferPointer(rebasing: copy[0..<20])),
                UnsafeRawBufferPointer(rebasing: copy[Wire.headerSize...]))
            copy.storeBytes(of: crc.littleEndian, toByteOffset: 20, as: UInt32.self)
            check(UnsafeRawBufferPointer(copy))
        }
    }
    return 0
}

private func check(_ input: UnsafeRawBufferPointer) {
    let size = input.count
    let frame: Frame
    do throws(DecodeError) {
        frame = try FrameCodec.decode(input)
    } catch {
        precondition(error.offset >= 0 && error.offset <= size, "offset \(error.offset) outside \(size) bytes")
        return
    }
    precondition(frame.encodedSize == size, "accepted \(size) bytes but encodedSize is \(frame.encodedSize)")
    withUnsafeTemporaryAllocation(byteCount: Wire.maxFrameSize, alignment: 8) { buffer in
        let written: Int
        do throws(EncodeError) {
            written = try FrameCodec.encode(frame, into: buffer)
        } catch {
            preconditionFailure("re-encoding a decoded frame failed: \(error)")
        }
        precondition(written == size, "re-encoded \(written) bytes, input had \(size)")
        precondition(memcmpEqual(UnsafeRawBufferPointer(rebasing: buffer[0..<written]), input), "decode is not canonical")
        let again = try? FrameCodec.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<written]))
        precondition(again == frame, "re-decoded frame differs")
    }
}

private func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for index in 0..<a.count where a[index] != b[index] { return false }
    return true
}
