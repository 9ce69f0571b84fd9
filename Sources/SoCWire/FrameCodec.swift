/// Encodes and decodes v1 frames into and from caller-provided bytes, with no heap allocation
/// (SPEC §2). Every integer is little-endian.
///
/// Header layout (24 bytes):
/// ```
/// off size field
///  0   2   magic "SS"
///  2   1   version (1)
///  3   1   type
///  4   1   flags
///  5   1   reserved (0)
///  6   2   payload length
///  8   4   sequence
/// 12   8   timestamp (ns)
/// 20   4   CRC-32C of bytes 0..<20 followed by the payload
/// ```
public enum FrameCodec {
    /// Encodes `frame` at the start of `buffer`.
    /// - Returns: the number of bytes written (`frame.encodedSize`).
    /// - Throws: `EncodeError.bufferTooSmall` when `buffer` cannot hold the frame.
    @inlinable
    public static func encode(_ frame: Frame, into buffer: UnsafeMutableRawBufferPointer) throws(EncodeError) -> Int {
        let type = frame.message.type
        let payloadSize = type.payloadSize
        let total = Wire.headerSize + payloadSize
        guard buffer.count >= total else { throw .bufferTooSmall(needed: total) }
        var writer = ByteWriter(buffer)
        writer.put(Wire.magic, at: 0)
        writer.put(Wire.version, at: 2)
        writer.put(type.rawValue, at: 3)
        writer.put(frame.flags.rawValue, at: 4)
        writer.put(UInt8(0), at: 5)
        writer.put(UInt16(payloadSize), at: 6)
        writer.put(frame.sequence, at: 8)
        writer.put(frame.timestamp, at: 12)
        encodePayload(frame.message, into: &writer, at: Wire.headerSize)
        writer.put(checksum(buffer, payloadSize: payloadSize), at: 20)
        return total
    }

    /// Decodes one complete frame from `bytes` (a whole ZeroMQ message).
    /// - Throws: `DecodeError` naming the first problem found, checked in SPEC §7's order:
    ///   truncated, magic, version, reserved, type, oversized, size mismatch, trailing bytes,
    ///   checksum, then payload fields.
    @inlinable
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> Frame {
        let reader = ByteReader(bytes)
        guard bytes.count >= Wire.headerSize else { throw DecodeError(.truncated, at: bytes.count) }
        guard reader.u16(at: 0) == Wire.magic else { throw DecodeError(.badMagic, at: 0) }
        guard reader.u8(at: 2) == Wire.version else { throw DecodeError(.unsupportedVersion, at: 2) }
        let flags = FrameFlags(rawValue: reader.u8(at: 4))
        guard flags.isSubset(of: .known) else { throw DecodeError(.reservedBitsSet, at: 4) }
        guard reader.u8(at: 5) == 0 else { throw DecodeError(.reservedBitsSet, at: 5) }
        guard let type = MessageType(rawValue: reader.u8(at: 3)) else { throw DecodeError(.unknownType, at: 3) }
        let payloadLength = Int(reader.u16(at: 6))
        guard payloadLength <= Wire.maxPayloadSize else { throw DecodeError(.oversized, at: 6) }
        guard payloadLength == type.payloadSize else { throw DecodeError(.payloadSizeMismatch, at: 6) }
        let total = Wire.headerSize + payloadLength
        guard bytes.count >= total else { throw DecodeError(.truncated, at: bytes.count) }
        guard bytes.count == total else { throw DecodeError(.trailingBytes, at: total) }
        guard reader.u32(at: 20) == checksum(bytes, payloadSize: payloadLength) else {
            throw DecodeError(.checksumMismatch, at: 20)
        }
        let message = try decodePayload(type, reader, at: Wire.headerSize)
        return Frame(sequence: reader.u32(at: 8), timestamp: reader.u64(at: 12), flags: flags, message: message)
    }

    /// Reads just the header's type and sequence fields without validating anything, so that a
    /// receiver can name a frame it rejects. Returns `nil` when `bytes` is shorter than a header.
    @inlinable
    public static func peekTypeAndSequence(_ bytes: UnsafeRawBufferPointer) -> (type: UInt8, sequence: UInt32)? {
        guard bytes.count >= Wire.headerSize else { return nil }
        let reader = ByteReader(bytes)
        return (reader.u8(at: 3), reader.u32(at: 8))
    }

    @inlinable
    static func checksum(_ frame: UnsafeRawBufferPointer, payloadSize: Int) -> UInt32 {
        let header = UnsafeRawBufferPointer(rebasing: frame[0..<20])
        let payload = UnsafeRawBufferPointer(rebasing: frame[Wire.headerSize..<(Wire.headerSize + payloadSize)])
        return ~CRC32C.update(CRC32C.update(0xFFFF_FFFF, header), payload)
    }

    @inlinable
    static func checksum(_ frame: UnsafeMutableRawBufferPointer, payloadSize: Int) -> UInt32 {
        checksum(UnsafeRawBufferPointer(frame), payloadSize: payloadSize)
    }

    @inlinable
    static func encodePayload(_ message: Message, into w: inout ByteWriter, at o: Int) {
        switch message {
        case .hello(let m):
            w.put(m.role.rawValue, at: o)
            w.put(m.minVersion, at: o + 1)
            w.put(m.maxVersion, at: o + 2)
            w.put(UInt8(0), at: o + 3)
            w.put(m.capabilities.rawValue, at: o + 4)
            w.put(m.sessionID, at: o + 8)
        case .helloAck(let m):
            w.put(m.acceptedVersion, at: o)
            w.put(m.role.rawValue, at: o + 1)
            w.put(m.clockMode.rawValue, at: o + 2)
            w.put(UInt8(0), at: o + 3)
            w.put(m.capabilities.rawValue, at: o + 4)
            w.put(m.sessionID, at: o + 8)
            w.put(m.tickPeriodNanoseconds, at: o + 12)
            w.put(m.quantumTicks, at: o + 16)
            w.put(m.heartbeatIntervalMilliseconds, at: o + 18)
            w.put(m.livenessTimeoutMilliseconds, at: o + 20)
            w.put(UInt16(0), at: o + 22)
            w.put(m.seed, at: o + 24)
        case .heartbeat(let m):
            w.put(m.lastReceivedSequence, at: o)
            w.put(m.framesLost, at: o + 4)
        case .reject(let m):
            w.put(m.code.rawValue, at: o)
            w.put(m.refusedType, at: o + 2)
            w.put(UInt8(0), at: o + 3)
            w.put(m.refusedSequence, at: o + 4)
        case .goodbye(let m):
            w.put(m.reason.rawValue, at: o)
            w.put(UInt16(0), at: o + 2)
        case .sample(let m):
            w.put(m.channel, at: o)
            w.put(m.status.rawValue, at: o + 1)
            w.put(m.milliValue, at: o + 2)
        case .command(let m):
            w.put(m.target, at: o)
            w.put(UInt8(0), at: o + 1)
            w.put(m.milliValue, at: o + 2)
            w.put(m.validTicks, at: o + 6)
        case .moduleEvent(let m):
            w.put(m.kind.rawValue, at: o)
            w.put(m.slot, at: o + 1)
            w.put(m.moduleVersion, at: o + 2)
            w.put(m.detail, at: o + 4)
        case .tickGrant(let tick), .tickAck(let tick):
            w.put(tick, at: o)
        }
    }

    @inlinable
    static func decodePayload(_ type: MessageType, _ r: ByteReader, at o: Int) throws(DecodeError) -> Message {
        switch type {
        case .hello:
            guard let role = PeerRole(rawValue: r.u8(at: o)) else { throw DecodeError(.invalidField, at: o) }
            guard r.u8(at: o + 3) == 0 else { throw DecodeError(.reservedBitsSet, at: o + 3) }
            return .hello(
                Hello(
                    role: role, minVersion: r.u8(at: o + 1), maxVersion: r.u8(at: o + 2),
                    capabilities: LinkCapabilities(rawValue: r.u32(at: o + 4)), sessionID: r.u32(at: o + 8)))
        case .helloAck:
            guard let role = PeerRole(rawValue: r.u8(at: o + 1)) else { throw DecodeError(.invalidField, at: o + 1) }
            guard let clock = ClockMode(rawValue: r.u8(at: o + 2)) else { throw DecodeError(.invalidField, at: o + 2) }
            guard r.u8(at: o + 3) == 0 else { throw DecodeError(.reservedBitsSet, at: o + 3) }
            guard r.u16(at: o + 22) == 0 else { throw DecodeError(.reservedBitsSet, at: o + 22) }
            return .helloAck(
                HelloAck(
                    acceptedVersion: r.u8(at: o), role: role, clockMode: clock,
                    capabilities: LinkCapabilities(rawValue: r.u32(at: o + 4)), sessionID: r.u32(at: o + 8),
                    tickPeriodNanoseconds: r.u32(at: o + 12), quantumTicks: r.u16(at: o + 16),
                    heartbeatIntervalMilliseconds: r.u16(at: o + 18), livenessTimeoutMilliseconds: r.u16(at: o + 20),
                    seed: r.u32(at: o + 24)))
        case .heartbeat:
            return .heartbeat(Heartbeat(lastReceivedSequence: r.u32(at: o), framesLost: r.u32(at: o + 4)))
        case .reject:
            guard let code = RejectCode(rawValue: r.u16(at: o)) else { throw DecodeError(.invalidField, at: o) }
            guard r.u8(at: o + 3) == 0 else { throw DecodeError(.reservedBitsSet, at: o + 3) }
            return .reject(Reject(code: code, refusedType: r.u8(at: o + 2), refusedSequence: r.u32(at: o + 4)))
        case .goodbye:
            guard let reason = GoodbyeReason(rawValue: r.u16(at: o)) else { throw DecodeError(.invalidField, at: o) }
            guard r.u16(at: o + 2) == 0 else { throw DecodeError(.reservedBitsSet, at: o + 2) }
            return .goodbye(Goodbye(reason: reason))
        case .sample:
            guard let status = SampleStatus(rawValue: r.u8(at: o + 1)) else {
                throw DecodeError(.invalidField, at: o + 1)
            }
            return .sample(Sample(channel: r.u8(at: o), status: status, milliValue: r.i32(at: o + 2)))
        case .command:
            guard r.u8(at: o + 1) == 0 else { throw DecodeError(.reservedBitsSet, at: o + 1) }
            return .command(Command(target: r.u8(at: o), milliValue: r.i32(at: o + 2), validTicks: r.u16(at: o + 6)))
        case .moduleEvent:
            guard let kind = ModuleEventKind(rawValue: r.u8(at: o)) else { throw DecodeError(.invalidField, at: o) }
            return .moduleEvent(
                ModuleEvent(kind: kind, slot: r.u8(at: o + 1), moduleVersion: r.u16(at: o + 2), detail: r.u32(at: o + 4)))
        case .tickGrant:
            return .tickGrant(throughTick: r.u64(at: o))
        case .tickAck:
            return .tickAck(throughTick: r.u64(at: o))
        }
    }
}

/// Little-endian stores into a buffer whose size the caller has already checked.
@usableFromInline
struct ByteWriter {
    @usableFromInline let base: UnsafeMutableRawBufferPointer
    @inlinable init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }
    @inlinable func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}

/// Little-endian loads from a buffer whose size the caller has already checked.
@usableFromInline
struct ByteReader {
    @usableFromInline let base: UnsafeRawBufferPointer
    @inlinable init(_ base: UnsafeRawBufferPointer) { self.base = base }
    @inlinable func u8(at offset: Int) -> UInt8 { base[offset] }
    @inlinable func u16(at offset: Int) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inlinable func u32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inlinable func i32(at offset: Int) -> Int32 {
        Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }
    @inlinable func u64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
