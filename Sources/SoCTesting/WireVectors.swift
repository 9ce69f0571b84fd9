public import SoCWire

/// The v1 golden test vectors (`protocol/vectors/v1.vectors`): their generator, their text format
/// and a parser for it.
///
/// The checked-in file is the contract; this generator only exists so the file can be rebuilt
/// (`RECORD_VECTORS=1 swift test --filter WireVectorFileTests`) after a deliberate protocol change.
/// A diff between the two fails the suite ("should fail here and be explained, not re-blessed").
///
/// File format (SPEC §8), line based, readable without a library:
/// ```
/// # comment
/// valid <name> <hex>
/// <field>=<decimal>          (one line per decoded field, until the next record)
/// invalid <name> <hex> <kind> <offset>
/// ```
/// `<hex>` is lowercase hex of the whole input, or `-` for the empty input.
public enum WireVectors {
    /// A frame that decodes, with the fields it decodes to.
    public struct Valid: Sendable, Hashable {
        public var name: String
        public var bytes: [UInt8]
        /// Decoded fields in file order: `sequence`, `timestamp`, `flags`, `type`, then the payload.
        public var fields: [Field]

        public init(name: String, bytes: [UInt8], fields: [Field]) {
            self.name = name
            self.bytes = bytes
            self.fields = fields
        }
    }

    /// An input that must be refused with exactly `kind` at `offset`.
    public struct Invalid: Sendable, Hashable {
        public var name: String
        public var bytes: [UInt8]
        public var kind: DecodeError.Kind
        public var offset: Int

        public init(name: String, bytes: [UInt8], kind: DecodeError.Kind, offset: Int) {
            self.name = name
            self.bytes = bytes
            self.kind = kind
            self.offset = offset
        }
    }

    /// One decoded field: a name from SPEC §3 and a decimal value.
    public struct Field: Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
        public var description: String { "\(name)=\(value)" }
    }

    /// A whole vector file.
    public struct File: Sendable, Hashable {
        public var valid: [Valid]
        public var invalid: [Invalid]
        public init(valid: [Valid], invalid: [Invalid]) {
            self.valid = valid
            self.invalid = invalid
        }
    }

    /// A line of a vector file that does not follow the format.
    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    // MARK: Fields

    /// The fields a decoded frame is described by in the vector file, in file order.
    public static func fields(of frame: Frame) -> [Field] {
        var f: [Field] = [
            Field("sequence", "\(frame.sequence)"),
            Field("timestamp", "\(frame.timestamp)"),
            Field("flags", "\(frame.flags.rawValue)"),
            Field("type", "\(frame.message.type.rawValue)"),
        ]
        switch frame.message {
        case .hello(let m):
            f += [
                Field("role", "\(m.role.rawValue)"), Field("minVersion", "\(m.minVersion)"),
                Field("maxVersion", "\(m.maxVersion)"), Field("capabilities", "\(m.capabilities.rawValue)"),
                Field("sessionID", "\(m.sessionID)"),
            ]
        case .helloAck(let m):
            f += [
                Field("acceptedVersion", "\(m.acceptedVersion)"), Field("role", "\(m.role.rawValue)"),
                Field("clockMode", "\(m.clockMode.rawValue)"), Field("capabilities", "\(m.capabilities.rawValue)"),
                Field("sessionID", "\(m.sessionID)"), Field("tickPeriodNanoseconds", "\(m.tickPeriodNanoseconds)"),
                Field("quantumTicks", "\(m.quantumTicks)"),
                Field("heartbeatIntervalMilliseconds", "\(m.heartbeatIntervalMilliseconds)"),
                Field("livenessTimeoutMilliseconds", "\(m.livenessTimeoutMilliseconds)"), Field("seed", "\(m.seed)"),
            ]
        case .heartbeat(let m):
            f += [Field("lastReceivedSequence", "\(m.lastReceivedSequence)"), Field("framesLost", "\(m.framesLost)")]
        case .reject(let m):
            f += [
                Field("code", "\(m.code.rawValue)"), Field("refusedType", "\(m.refusedType)"),
                Field("refusedSequence", "\(m.refusedSequence)"),
            ]
        case .goodbye(let m):
            f += [Field("reason", "\(m.reason.rawValue)")]
        case .sample(let m):
            f += [
                Field("channel", "\(m.channel)"), Field("status", "\(m.status.rawValue)"),
                Field("milliValue", "\(m.milliValue)"),
            ]
        case .command(let m):
            f += [
                Field("target", "\(m.target)"), Field("milliValue", "\(m.milliValue)"),
                Field("validTicks", "\(m.validTicks)"),
            ]
        case .moduleEvent(let m):
            f += [
                Field("kind", "\(m.kind.rawValue)"), Field("slot", "\(m.slot)"),
                Field("moduleVersion", "\(m.moduleVersion)"), Field("detail", "\(m.detail)"),
            ]
        case .tickGrant(let tick), .tickAck(let tick):
            f += [Field("throughTick", "\(tick)")]
        }
        return f
    }

    // MARK: Generator

    /// Encodes `frame` into a fresh array (test code: allocation is fine here).
    public static func encode(_ frame: Frame) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: frame.encodedSize)
        let written = bytes.withUnsafeMutableBytes { buffer in
            // The buffer is exactly `encodedSize`, so `bufferTooSmall` cannot happen.
            try! FrameCodec.encode(frame, into: buffer)
        }
        precondition(written == bytes.count, "encode must write exactly encodedSize bytes")
        return bytes
    }

    /// Recomputes the CRC-32C at offset 20 over bytes 0..<20 and 24..<end (SPEC §2.4), so that a
    /// vector can show a payload-field error that the checksum would otherwise hide.
    public static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        guard out.count >= Wire.headerSize else { return out }
        let crc = bytes.withUnsafeBytes { raw -> UInt32 in
            let header = UnsafeRawBufferPointer(rebasing: raw[0..<20])
            let payload = UnsafeRawBufferPointer(rebasing: raw[Wire.headerSize...])
            return ~CRC32C.update(CRC32C.update(0xFFFF_FFFF, header), payload)
        }
        for i in 0..<4 { out[20 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return out
    }

    /// Every valid frame of the v1 vector file, in file order: every message type, every enum value,
    /// both flags, and the boundary values of every header field.
    public static func validFrames() -> [(name: String, frame: Frame)] {
        var v: [(String, Frame)] = []
        let app = PeerRole.application
        v.append(
            ("hello_application_all_capabilities",
             Frame(sequence: 1, timestamp: 0,
                   message: .hello(Hello(role: app, capabilities: .all, sessionID: 0xC0FF_EE01)))))
        v.append(
            ("hello_version_range_no_capabilities",
             Frame(sequence: 2, timestamp: 100_000_000,
                   message: .hello(Hello(role: app, minVersion: 1, maxVersion: 3, capabilities: [], sessionID: 0)))))
        v.append(
            ("hello_unknown_capability_bits_accepted",
             Frame(sequence: 3, timestamp: 200_000_000,
                   message: .hello(Hello(role: app, capabilities: LinkCapabilities(rawValue: 0xFFFF_FFFF),
                                         sessionID: 0xFFFF_FFFF)))))
        v.append(
            ("hello_from_realtime_role",
             Frame(sequence: 1, timestamp: 5,
                   message: .hello(Hello(role: .realTime, minVersion: 0, maxVersion: 255, capabilities: .samples,
                                         sessionID: 7)))))
        v.append(
            ("hello_ack_virtual_defaults",
             Frame(sequence: 1, timestamp: 0,
                   message: .helloAck(HelloAck(acceptedVersion: 1, role: .realTime, clockMode: .virtual,
                                               capabilities: .all, sessionID: 0xC0FF_EE01,
                                               tickPeriodNanoseconds: 1_000_000, quantumTicks: 10,
                                               heartbeatIntervalMilliseconds: 50, livenessTimeoutMilliseconds: 250,
                                               seed: 42)))))
        v.append(
            ("hello_ack_real_maximum_values",
             Frame(sequence: 0xFFFF_FFFF, timestamp: .max,
                   message: .helloAck(HelloAck(acceptedVersion: 255, role: .application, clockMode: .real,
                                               capabilities: [.samples, .commands], sessionID: 0xFFFF_FFFF,
                                               tickPeriodNanoseconds: .max, quantumTicks: .max,
                                               heartbeatIntervalMilliseconds: .max,
                                               livenessTimeoutMilliseconds: .max, seed: .max)))))
        v.append(
            ("heartbeat_zero",
             Frame(sequence: 1, timestamp: 50_000_000,
                   message: .heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0)))))
        v.append(
            ("heartbeat_maximum",
             Frame(sequence: 0xFFFF_FFFF, timestamp: 0xFFFF_FFFF_FFFF_FFFF,
                   message: .heartbeat(Heartbeat(lastReceivedSequence: 0xFFFF_FFFF, framesLost: 0xFFFF_FFFF)))))
        for code in RejectCode.allCases {
            v.append(
                ("reject_\(code)",
                 Frame(sequence: UInt32(code.rawValue), timestamp: 1_000 * UInt64(code.rawValue),
                       message: .reject(Reject(code: code, refusedType: code == .malformedFrame ? 0 : 0x20,
                                               refusedSequence: code == .malformedFrame ? 0 : 0x0102_0304)))))
        }
        for reason in [GoodbyeReason.shutdown, .restarting, .protocolError] {
            v.append(
                ("goodbye_\(reason)",
                 Frame(sequence: 40 + UInt32(reason.rawValue), timestamp: 9_000_000_000,
                       message: .goodbye(Goodbye(reason: reason)))))
        }
        v.append(
            ("sample_ok_virtual_time",
             Frame(sequence: 10, timestamp: 7_000_000, flags: .virtualTime,
                   message: .sample(Sample(channel: 0, status: .ok, milliValue: 21_345)))))
        v.append(
            ("sample_stale_negative",
             Frame(sequence: 11, timestamp: 7_000_000, flags: .virtualTime,
                   message: .sample(Sample(channel: 3, status: .stale, milliValue: -1)))))
        v.append(
            ("sample_fault_minimum_value",
             Frame(sequence: 12, timestamp: 123_456_789,
                   message: .sample(Sample(channel: 255, status: .fault, milliValue: .min)))))
        v.append(
            ("sample_maximum_value_replayed",
             Frame(sequence: 13, timestamp: 1, flags: .replayed,
                   message: .sample(Sample(channel: 1, status: .ok, milliValue: .max)))))
        v.append(
            ("sample_both_flags",
             Frame(sequence: 14, timestamp: 2_000_000, flags: [.virtualTime, .replayed],
                   message: .sample(Sample(channel: 4, status: .ok, milliValue: 0)))))
        v.append(
            ("command_heater_duty_echoes_grant_timestamp",
             Frame(sequence: 1, timestamp: 9_000_000, flags: .virtualTime,
                   message: .command(Command(target: 1, milliValue: 412, validTicks: 0)))))
        v.append(
            ("command_motor_negative",
             Frame(sequence: 2, timestamp: 987_654_321,
                   message: .command(Command(target: 3, milliValue: -1000, validTicks: 100)))))
        v.append(
            ("command_extremes",
             Frame(sequence: 0, timestamp: 0,
                   message: .command(Command(target: 255, milliValue: .min, validTicks: .max)))))
        for kind in ModuleEventKind.allCases {
            v.append(
                ("module_event_\(kind)",
                 Frame(sequence: 100 + UInt32(kind.rawValue), timestamp: 3_000_000_000,
                       message: .moduleEvent(ModuleEvent(kind: kind, slot: kind.rawValue % 3, moduleVersion: 0x0101,
                                                         detail: 812 * UInt32(kind.rawValue))))))
        }
        v.append(
            ("module_event_maximum",
             Frame(sequence: 200, timestamp: 4,
                   message: .moduleEvent(ModuleEvent(kind: .quarantined, slot: 255, moduleVersion: .max,
                                                     detail: .max)))))
        v.append(
            ("tick_grant_first_quantum",
             Frame(sequence: 11, timestamp: 9_000_000, flags: .virtualTime, message: .tickGrant(throughTick: 10))))
        v.append(
            ("tick_grant_real_mode",
             Frame(sequence: 2, timestamp: 1_000_000, message: .tickGrant(throughTick: 2))))
        v.append(
            ("tick_grant_maximum",
             Frame(sequence: 0xFFFF_FFFF, timestamp: .max, flags: .virtualTime,
                   message: .tickGrant(throughTick: .max))))
        v.append(
            ("tick_ack_first_quantum",
             Frame(sequence: 3, timestamp: 9_000_000, flags: .virtualTime, message: .tickAck(throughTick: 10))))
        v.append(
            ("tick_ack_zero",
             Frame(sequence: 1, timestamp: 0, message: .tickAck(throughTick: 0))))
        return v
    }

    /// Every invalid input of the v1 vector file, in file order: every `DecodeError.Kind`, every
    /// reserved byte and enum field, and inputs with several problems that pin SPEC §7's check order.
    public static func invalidInputs() -> [Invalid] {
        let sample = encode(
            Frame(sequence: 10, timestamp: 7_000_000, flags: .virtualTime,
                  message: .sample(Sample(channel: 0, status: .ok, milliValue: 21_345))))
        let hello = encode(
            Frame(sequence: 1, timestamp: 0,
                  message: .hello(Hello(role: .application, capabilities: .all, sessionID: 0xC0FF_EE01))))
        let helloAck = encode(
            Frame(sequence: 1, timestamp: 0,
                  message: .helloAck(HelloAck(acceptedVersion: 1, role: .realTime, clockMode: .virtual,
                                              capabilities: .all, sessionID: 1, tickPeriodNanoseconds: 1_000_000,
                                              quantumTicks: 10, heartbeatIntervalMilliseconds: 50,
                                              livenessTimeoutMilliseconds: 250, seed: 42))))
        let reject = encode(
            Frame(sequence: 1, timestamp: 0,
                  message: .reject(Reject(code: .versionMismatch, refusedType: 1, refusedSequence: 1))))
        let goodbye = encode(Frame(sequence: 1, timestamp: 0, message: .goodbye(Goodbye(reason: .shutdown))))
        let command = encode(
            Frame(sequence: 1, timestamp: 0, message: .command(Command(target: 1, milliValue: 5, validTicks: 0))))
        let event = encode(
            Frame(sequence: 1, timestamp: 0,
                  message: .moduleEvent(ModuleEvent(kind: .loaded, slot: 0, moduleVersion: 0x0100, detail: 0))))

        func set(_ bytes: [UInt8], _ changes: [Int: UInt8], reseal: Bool = true) -> [UInt8] {
            var out = bytes
            for (offset, value) in changes { out[offset] = value }
            return reseal ? resealed(out) : out
        }
        func length(_ bytes: [UInt8], _ value: UInt16) -> [UInt8] {
            set(bytes, [6: UInt8(value & 0xFF), 7: UInt8(value >> 8)])
        }

        var v: [Invalid] = []
        func add(_ name: String, _ bytes: [UInt8], _ kind: DecodeError.Kind, _ offset: Int) {
            v.append(Invalid(name: name, bytes: bytes, kind: kind, offset: offset))
        }
        // truncated: shorter than a header (checked before anything else), or than the payload length says.
        add("truncated_empty", [], .truncated, 0)
        add("truncated_one_byte", [0x53], .truncated, 1)
        add("truncated_header_minus_one", Array(sample[0..<23]), .truncated, 23)
        add("truncated_garbage_shorter_than_header", [UInt8](repeating: 0xFF, count: 10), .truncated, 10)
        add("truncated_header_only", Array(sample[0..<24]), .truncated, 24)
        add("truncated_payload_minus_one", Array(sample[0..<29]), .truncated, 29)
        add("truncated_hello_ack_half", Array(helloAck[0..<40]), .truncated, 40)
        // trailing bytes: the message is longer than header + payload length.
        add("trailing_one_byte", sample + [0x00], .trailingBytes, 30)
        add("trailing_two_frames_in_one_message", sample + sample, .trailingBytes, 30)
        // bad magic.
        add("bad_magic_first_byte", set(sample, [0: 0x54]), .badMagic, 0)
        add("bad_magic_second_byte", set(sample, [1: 0x00]), .badMagic, 0)
        add("bad_magic_lowercase", set(sample, [0: 0x73, 1: 0x73]), .badMagic, 0)
        // unsupported version.
        add("version_zero", set(sample, [2: 0]), .unsupportedVersion, 2)
        add("version_two", set(sample, [2: 2]), .unsupportedVersion, 2)
        add("version_255", set(sample, [2: 255]), .unsupportedVersion, 2)
        // reserved header bits (flags, then the reserved byte), checked before the type.
        add("flags_bit2_reserved", set(sample, [4: 0x05]), .reservedBitsSet, 4)
        add("flags_bit7_reserved", set(sample, [4: 0x80]), .reservedBitsSet, 4)
        add("header_reserved_byte_set", set(sample, [5: 0x01]), .reservedBitsSet, 5)
        // unknown type.
        add("type_zero", set(sample, [3: 0x00]), .unknownType, 3)
        add("type_gap_0x06", set(sample, [3: 0x06]), .unknownType, 3)
        add("type_gap_0x11", set(sample, [3: 0x11]), .unknownType, 3)
        add("type_0x32", set(sample, [3: 0x32]), .unknownType, 3)
        add("type_0xff", set(sample, [3: 0xFF]), .unknownType, 3)
        // oversized payload length (more than 1024), before the per-type size check.
        add("payload_length_1025", length(sample, 1025), .oversized, 6)
        add("payload_length_65535", length(sample, 0xFFFF), .oversized, 6)
        // payload length not the type's fixed size.
        add("payload_length_sample_7", length(sample, 7) + [0], .payloadSizeMismatch, 6)
        add("payload_length_zero", Array(length(sample, 0)[0..<24]), .payloadSizeMismatch, 6)
        add("payload_length_1024_sample", length(sample, 1024), .payloadSizeMismatch, 6)
        add("payload_length_28_for_tick_grant", set(length(sample, 28), [3: 0x30]), .payloadSizeMismatch, 6)
        // checksum.
        add("checksum_payload_bit_flip", set(sample, [26: sample[26] ^ 0x01], reseal: false), .checksumMismatch, 20)
        add("checksum_header_bit_flip", set(sample, [8: sample[8] ^ 0x80], reseal: false), .checksumMismatch, 20)
        add("checksum_field_corrupted", set(sample, [23: sample[23] ^ 0xFF], reseal: false), .checksumMismatch, 20)
        add("checksum_all_zero", set(sample, [20: 0, 21: 0, 22: 0, 23: 0], reseal: false), .checksumMismatch, 20)
        add("checksum_crc32_ieee_instead_of_crc32c", ieeeSealed(sample), .checksumMismatch, 20)
        // payload fields (resealed so the checksum passes and the field check is reached).
        add("hello_role_zero", set(hello, [24: 0]), .invalidField, 24)
        add("hello_role_three", set(hello, [24: 3]), .invalidField, 24)
        add("hello_reserved_byte", set(hello, [27: 1]), .reservedBitsSet, 27)
        add("hello_ack_role_zero", set(helloAck, [25: 0]), .invalidField, 25)
        add("hello_ack_clock_mode_two", set(helloAck, [26: 2]), .invalidField, 26)
        add("hello_ack_reserved_byte", set(helloAck, [27: 1]), .reservedBitsSet, 27)
        add("hello_ack_reserved_u16", set(helloAck, [47: 0x80]), .reservedBitsSet, 46)
        add("reject_code_zero", set(reject, [24: 0, 25: 0]), .invalidField, 24)
        add("reject_code_nine", set(reject, [24: 9]), .invalidField, 24)
        add("reject_code_high_byte", set(reject, [25: 1]), .invalidField, 24)
        add("reject_reserved_byte", set(reject, [27: 1]), .reservedBitsSet, 27)
        add("goodbye_reason_zero", set(goodbye, [24: 0]), .invalidField, 24)
        add("goodbye_reason_four", set(goodbye, [24: 4]), .invalidField, 24)
        add("goodbye_reserved_u16", set(goodbye, [26: 1]), .reservedBitsSet, 26)
        add("sample_status_three", set(sample, [25: 3]), .invalidField, 25)
        add("command_reserved_byte", set(command, [25: 1]), .reservedBitsSet, 25)
        add("module_event_kind_zero", set(event, [24: 0]), .invalidField, 24)
        add("module_event_kind_nine", set(event, [24: 9]), .invalidField, 24)
        // several problems at once: the first in SPEC §7's order wins.
        add("order_truncated_before_magic", [0x00, 0x00, 0x00], .truncated, 3)
        add("order_magic_before_version", set(sample, [0: 0, 2: 9]), .badMagic, 0)
        add("order_version_before_flags", set(sample, [2: 2, 4: 0xFF]), .unsupportedVersion, 2)
        add("order_flags_before_type", set(sample, [3: 0x00, 4: 0x04]), .reservedBitsSet, 4)
        add("order_reserved_byte_before_type", set(sample, [3: 0x00, 5: 0x01]), .reservedBitsSet, 5)
        add("order_type_before_oversized", set(length(sample, 0xFFFF), [3: 0x99]), .unknownType, 3)
        add("order_size_mismatch_before_truncated", Array(length(sample, 8)[0..<26]), .payloadSizeMismatch, 6)
        add("order_truncated_before_checksum", Array(set(sample, [29: 0xAA], reseal: false)[0..<29]), .truncated, 29)
        add("order_trailing_before_checksum", set(sample, [26: 0xAA], reseal: false) + [1], .trailingBytes, 30)
        add("order_checksum_before_fields", set(sample, [25: 3], reseal: false), .checksumMismatch, 20)
        add("order_first_field_wins", set(helloAck, [25: 0, 26: 2]), .invalidField, 25)
        return v
    }

    /// `bytes` sealed with CRC-32/IEEE (the wrong polynomial), a plausible implementation mistake.
    static func ieeeSealed(_ bytes: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for (index, byte) in bytes.enumerated() where !(20..<24).contains(index) {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc = ~crc
        var out = bytes
        for i in 0..<4 { out[20 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return out
    }

    /// The vector file as the generator builds it.
    public static func generated() -> File {
        File(
            valid: validFrames().map { Valid(name: $0.name, bytes: encode($0.frame), fields: fields(of: $0.frame)) },
            invalid: invalidInputs())
    }

    // MARK: Text format

    /// Renders `file` in the vector text format.
    public static func render(_ file: File) -> String {
        var out = """
            # SplitSoC bridge protocol v1 golden vectors. Normative with protocol/SPEC.md (section 8).
            # Generated by SoCTesting.WireVectors; regenerate with
            #   RECORD_VECTORS=1 swift test --filter WireVectorFileTests
            # and explain every diff in the commit message.
            #
            # valid <name> <hex>                      then <field>=<decimal> lines (SPEC section 3 names)
            # invalid <name> <hex> <kind> <offset>    decoding must fail with this kind at this byte offset
            # <hex> is the whole input in lowercase hex, "-" when empty. Enum fields are their numeric codes.

            """
        for vector in file.valid {
            out += "\nvalid \(vector.name) \(hex(vector.bytes))\n"
            for field in vector.fields { out += "\(field)\n" }
        }
        out += "\n"
        for vector in file.invalid {
            out += "invalid \(vector.name) \(hex(vector.bytes)) \(vector.kind) \(vector.offset)\n"
        }
        return out
    }

    /// Parses the vector text format.
    /// - Throws: `ParseError` naming the first line that does not follow the format.
    public static func parse(_ text: String) throws(ParseError) -> File {
        var file = File(valid: [], invalid: [])
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingSuffixSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ").map(String.init)
            switch words[0] {
            case "valid":
                guard words.count == 3, let bytes = bytes(fromHex: words[2]) else {
                    throw ParseError(line: lineNumber, message: "expected: valid <name> <hex>")
                }
                file.valid.append(Valid(name: words[1], bytes: bytes, fields: []))
            case "invalid":
                guard words.count == 5, let bytes = bytes(fromHex: words[2]), let offset = Int(words[4]),
                    let kind = DecodeError.Kind.allCases.first(where: { "\($0)" == words[3] })
                else { throw ParseError(line: lineNumber, message: "expected: invalid <name> <hex> <kind> <offset>") }
                file.invalid.append(Invalid(name: words[1], bytes: bytes, kind: kind, offset: offset))
            default:
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !file.valid.isEmpty else {
                    throw ParseError(line: lineNumber, message: "expected a record or <field>=<value>")
                }
                file.valid[file.valid.count - 1].fields.append(Field(parts[0], parts[1]))
            }
        }
        return file
    }

    /// Lowercase hex, `-` for no bytes.
    public static func hex(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "-" }
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }

    /// Bytes from lowercase or uppercase hex (`-` is empty); `nil` for anything else.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        if text == "-" { return [] }
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

extension Substring {
    fileprivate func trimmingSuffixSpaces() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\r" {
            end = index(before: end)
        }
        return self[startIndex..<end]
    }
}
