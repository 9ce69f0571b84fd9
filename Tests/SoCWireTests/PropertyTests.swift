import SoCTesting
import SoCWire
import Testing

/// Seeded property tests over 100,000+ random and mutated inputs. Every failure names the seed and
/// iteration, so `SplitMix64(seed:)` replays it exactly.
@Suite("Codec properties (seeded, 100,000+ inputs)")
struct PropertyTests {
    static let seed: UInt64 = 0x5350_4C49_5453_4F43  // "SPLITSOC"

    /// A random frame of a random type with random (valid) field values.
    static func randomFrame(_ rng: inout SplitMix64) -> Frame {
        func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
        func u8() -> UInt8 { UInt8(truncatingIfNeeded: rng.next()) }
        func u16() -> UInt16 { UInt16(truncatingIfNeeded: rng.next()) }
        func u32() -> UInt32 { UInt32(truncatingIfNeeded: rng.next()) }
        let message: Message
        switch rng.next() % 10 {
        case 0:
            message = .hello(
                Hello(
                    role: pick([.realTime, .application]), minVersion: u8(), maxVersion: u8(),
                    capabilities: LinkCapabilities(rawValue: u32()), sessionID: u32()))
        case 1:
            message = .helloAck(
                HelloAck(
                    acceptedVersion: u8(), role: pick([.realTime, .application]), clockMode: pick([.real, .virtual]),
                    capabilities: LinkCapabilities(rawValue: u32()), sessionID: u32(), tickPeriodNanoseconds: u32(),
                    quantumTicks: u16(), heartbeatIntervalMilliseconds: u16(), livenessTimeoutMilliseconds: u16(),
                    seed: u32()))
        case 2: message = .heartbeat(Heartbeat(lastReceivedSequence: u32(), framesLost: u32()))
        case 3: message = .reject(Reject(code: pick(RejectCode.allCases), refusedType: u8(), refusedSequence: u32()))
        case 4: message = .goodbye(Goodbye(reason: pick([.shutdown, .restarting, .protocolError])))
        case 5:
            message = .sample(
                Sample(channel: u8(), status: pick([.ok, .stale, .fault]), milliValue: Int32(truncatingIfNeeded: u32())))
        case 6: message = .command(Command(target: u8(), milliValue: Int32(truncatingIfNeeded: u32()), validTicks: u16()))
        case 7:
            message = .moduleEvent(
                ModuleEvent(kind: pick(ModuleEventKind.allCases), slot: u8(), moduleVersion: u16(), detail: u32()))
        case 8: message = .tickGrant(throughTick: rng.next())
        default: message = .tickAck(throughTick: rng.next())
        }
        return Frame(
            sequence: u32(), timestamp: rng.next(), flags: FrameFlags(rawValue: u8() & 0x03), message: message)
    }

    /// Applies 1...4 random mutations: flip a bit, overwrite a byte, truncate, append, or set the
    /// length field, optionally resealing the CRC so payload checks are reached.
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0...(rng.next() % 4) {
            switch rng.next() % 6 {
            case 0 where !bytes.isEmpty:
                bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1) << (rng.next() % 8)
            case 1 where !bytes.isEmpty:
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 2: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            case 3: bytes += (0..<(rng.next() % 5)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 4 where bytes.count >= 8:
                let length = UInt16(truncatingIfNeeded: rng.next() % 40)
                bytes[6] = UInt8(length & 0xFF)
                bytes[7] = UInt8(length >> 8)
            default: break
            }
        }
        return rng.next() % 2 == 0 ? WireVectors.resealed(bytes) : bytes
    }

    /// The properties every decode must have, whatever the input.
    static func checkDecode(_ bytes: [UInt8], context: @autoclosure () -> String) {
        let result = FrameVerifier.decode(bytes)
        switch result {
        case .success(let frame):
            // Decoding is canonical: an accepted input is exactly the encoding of what it decoded to.
            #expect(WireVectors.encode(frame) == bytes, "\(context())")
        case .failure(let error):
            #expect(error.offset >= 0 && error.offset <= bytes.count, "\(context()): \(error)")
        }
        // Same verdict as the decoder written from SPEC.md.
        let reference = ReferenceDecoder.decode(bytes)
        let verdict: ReferenceDecoder.Verdict =
            switch result {
            case .success(let frame): .frame(WireVectors.fields(of: frame))
            case .failure(let error): .error(error.kind.rawValue, error.offset)
            }
        #expect(verdict == reference, "\(context()): \(WireVectors.hex(bytes))")
    }

    @Test("50,000 random frames of every type round-trip exactly")
    func randomFramesRoundTrip() {
        var rng = SplitMix64(seed: Self.seed)
        var typesSeen = Set<UInt8>()
        for iteration in 0..<50_000 {
            let frame = Self.randomFrame(&rng)
            typesSeen.insert(frame.message.type.rawValue)
            let bytes = WireVectors.encode(frame)
            let decoded = FrameVerifier.decode(bytes)
            guard case .success(let back) = decoded, back == frame else {
                Issue.record("seed \(Self.seed) iteration \(iteration): \(frame) -> \(decoded)")
                return
            }
        }
        #expect(typesSeen.count == MessageType.allCases.count)
    }

    @Test("50,000 mutated frames never crash, decode canonically, and agree with the SPEC reference decoder")
    func mutatedFrames() {
        var rng = SplitMix64(seed: Self.seed &+ 1)
        var accepted = 0
        var kinds = Set<DecodeError.Kind>()
        for iteration in 0..<50_000 {
            let bytes = Self.mutate(WireVectors.encode(Self.randomFrame(&rng)), &rng)
            if case .failure(let error) = FrameVerifier.decode(bytes) { kinds.insert(error.kind) } else { accepted += 1 }
            Self.checkDecode(bytes, context: "seed \(Self.seed &+ 1) iteration \(iteration)")
        }
        // The generator must reach every rejection path, and some mutations must stay valid (a
        // flipped sequence bit with a resealed CRC): otherwise the test proves less than it claims.
        #expect(kinds == Set(DecodeError.Kind.allCases))
        #expect(accepted > 1_000)
    }

    @Test("10,000 random byte strings with a plausible header prefix never crash and agree with the reference")
    func randomBytes() {
        var rng = SplitMix64(seed: Self.seed &+ 2)
        for iteration in 0..<10_000 {
            var bytes = (0..<(rng.next() % 60)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if bytes.count >= 3, rng.next() % 2 == 0 { bytes.replaceSubrange(0..<3, with: [0x53, 0x53, 0x01]) }
            Self.checkDecode(bytes, context: "seed \(Self.seed &+ 2) iteration \(iteration)")
        }
    }
}
