import SoCTesting
import SoCWire
import Testing

/// One frame of every message type, with non-trivial values in every field.
let oneFrameOfEveryType: [Frame] = [
    Frame(sequence: 1, timestamp: 0, message: .hello(Hello(role: .application, capabilities: .all, sessionID: 9))),
    Frame(
        sequence: 1, timestamp: 0,
        message: .helloAck(
            HelloAck(
                acceptedVersion: 1, role: .realTime, clockMode: .virtual, capabilities: .all, sessionID: 9,
                tickPeriodNanoseconds: 1_000_000, quantumTicks: 10, heartbeatIntervalMilliseconds: 50,
                livenessTimeoutMilliseconds: 250, seed: 42))),
    Frame(sequence: 7, timestamp: 50_000_000, message: .heartbeat(Heartbeat(lastReceivedSequence: 6, framesLost: 2))),
    Frame(
        sequence: 8, timestamp: 1,
        message: .reject(Reject(code: .commandOutOfRange, refusedType: 0x20, refusedSequence: 77))),
    Frame(sequence: 9, timestamp: 2, message: .goodbye(Goodbye(reason: .restarting))),
    Frame(
        sequence: 10, timestamp: 3_000_000, flags: .virtualTime,
        message: .sample(Sample(channel: 2, status: .stale, milliValue: -42))),
    Frame(
        sequence: 11, timestamp: 3_000_000, flags: .virtualTime,
        message: .command(Command(target: 3, milliValue: -900, validTicks: 20))),
    Frame(
        sequence: 12, timestamp: 4, flags: .replayed,
        message: .moduleEvent(ModuleEvent(kind: .outOfFuel, slot: 1, moduleVersion: 0x0102, detail: 100_000))),
    Frame(sequence: 13, timestamp: 10_000_000, flags: .virtualTime, message: .tickGrant(throughTick: 10)),
    Frame(sequence: 14, timestamp: 10_000_000, flags: .virtualTime, message: .tickAck(throughTick: 10)),
]

@Suite("Frame round trip (SPEC §2, §3)")
struct RoundTripTests {
    @Test("the fixture has one frame of every message type")
    func fixtureCoversEveryType() {
        #expect(Set(oneFrameOfEveryType.map(\.message.type.rawValue)) == Set(MessageType.allCases.map(\.rawValue)))
    }

    @Test("every message type survives encode then decode, and passes the frame verifier", arguments: oneFrameOfEveryType)
    func everyTypeRoundTrips(frame: Frame) throws {
        let bytes = WireVectors.encode(frame)
        #expect(bytes.count == frame.encodedSize)
        try FrameVerifier.verify(bytes, decodesTo: frame)
    }

    /// Pinned sizes (STYLE §9): a change here is a wire change and must be explained in SPEC §3.
    @Test("payload sizes are pinned and every tick-path frame fits libzmq's 33-byte small-message buffer")
    func pinnedSizes() {
        let sizes: [MessageType: Int] = [
            .hello: 12, .helloAck: 28, .heartbeat: 8, .reject: 8, .goodbye: 4, .sample: 6, .command: 8,
            .moduleEvent: 8, .tickGrant: 8, .tickAck: 8,
        ]
        for type in MessageType.allCases {
            #expect(type.payloadSize == sizes[type], "\(type)")
        }
        for type in [MessageType.sample, .command, .tickGrant, .tickAck, .heartbeat, .moduleEvent, .reject] {
            #expect(Wire.headerSize + type.payloadSize <= Wire.smallFrameLimit, "\(type)")
        }
        #expect(Wire.maxFrameSize == 1048)
    }

    @Test("a buffer one byte too small is refused with the size needed, and nothing past it is written")
    func bufferTooSmall() {
        for frame in oneFrameOfEveryType {
            var storage = [UInt8](repeating: 0xEE, count: frame.encodedSize)
            let result = storage.withUnsafeMutableBytes { raw -> EncodeError? in
                do throws(EncodeError) {
                    _ = try FrameCodec.encode(frame, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(raw.count - 1)]))
                    return nil
                } catch { return error }
            }
            #expect(result == .bufferTooSmall(needed: frame.encodedSize))
            #expect(storage.allSatisfy { $0 == 0xEE }, "encode wrote into a buffer it refused")
        }
    }

    @Test("encoding into a larger buffer writes exactly encodedSize bytes at its start")
    func largerBuffer() throws {
        for frame in oneFrameOfEveryType {
            var storage = [UInt8](repeating: 0xEE, count: Wire.maxFrameSize)
            let written = try storage.withUnsafeMutableBytes { raw throws(EncodeError) in
                try FrameCodec.encode(frame, into: raw)
            }
            #expect(written == frame.encodedSize)
            #expect(Array(storage[0..<written]) == WireVectors.encode(frame))
            #expect(storage[written...].allSatisfy { $0 == 0xEE })
        }
    }

    @Test("peekTypeAndSequence reads the type and sequence of any header-sized input without validating")
    func peek() {
        let bytes = WireVectors.encode(oneFrameOfEveryType[6])
        let peeked = bytes.withUnsafeBytes { FrameCodec.peekTypeAndSequence($0) }
        #expect(peeked?.type == 0x20)
        #expect(peeked?.sequence == 11)
        #expect(Array(bytes[0..<23]).withUnsafeBytes { FrameCodec.peekTypeAndSequence($0) } == nil)
        var garbage = [UInt8](repeating: 0xAB, count: 24)
        garbage[3] = 0x99
        #expect(garbage.withUnsafeBytes { FrameCodec.peekTypeAndSequence($0) }?.type == 0x99)
    }
}
