import SoCWire

/// What a relay did to the frames of one direction.
public struct RelayDirectionCounters: Sendable, Equatable, Codable {
    /// Frames read from the sending side.
    public var received = 0
    /// Frames written to the receiving side (duplicates included).
    public var forwarded = 0
    public var dropped = 0
    public var corrupted = 0
    public var duplicated = 0
    public var delayed = 0
    public var reordered = 0
    /// Frames that were already invalid when they arrived (forwarded untouched).
    public var undecodable = 0
    /// Frames the receiving side could not take (no peer, queue full): lost by the relay itself.
    public var undeliverable = 0

    public init() {}

    /// The counters by the names used in summaries and scenario expectations.
    public var byName: [String: Int] {
        [
            "received": received, "forwarded": forwarded, "dropped": dropped, "corrupted": corrupted,
            "duplicated": duplicated, "delayed": delayed, "reordered": reordered, "undecodable": undecodable,
            "undeliverable": undeliverable,
        ]
    }
}

/// Decides, seeded and reproducibly, what happens to each frame of one direction of the relay.
///
/// A pure value driven by injected time (nanoseconds on any monotonic axis), so tests run it
/// without sockets. Each decision is a function of the seed, the direction and the frame's bytes
/// other than its sequence number and CRC: a virtual-clock run faults the same samples and
/// commands on every run even though wall-clock heartbeats interleave differently.
///
/// Not thread-safe: owned by the relay's loop.
public struct FaultInjector: Sendable {
    /// What this direction does to frames; `replace(profile:)` changes it while the relay runs.
    public private(set) var profile: FaultProfile
    private let seed: UInt64
    public private(set) var counters = RelayDirectionCounters()
    /// Delayed frames with the time they are due, in arrival order.
    private var delayedFrames: [(due: UInt64, bytes: [UInt8])] = []
    /// A frame held back to be sent after the next one.
    private var held: (since: UInt64, bytes: [UInt8])?
    /// How long a reordered frame waits for a successor before it goes anyway.
    public static let reorderHoldNanoseconds: UInt64 = 50_000_000

    /// - Parameters:
    ///   - seed: the run's bridge seed.
    ///   - direction: distinguishes the two directions so that they fault different frames.
    public init(profile: FaultProfile, seed: UInt64, direction: UInt64) {
        self.profile = profile
        self.seed = seed ^ (direction &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Takes one frame that arrived at `now` and returns the frames to send right away, in order.
    public mutating func process(_ bytes: [UInt8], now: UInt64) -> [[UInt8]] {
        counters.received += 1
        var output: [[UInt8]] = []
        defer { counters.forwarded += output.count }
        let frame = bytes.withUnsafeBytes { raw in try? FrameCodec.decode(raw) }
        guard let frame else {
            // Garbage uses no sequence number: a held frame behind it would still arrive in order.
            counters.undecodable += 1
            output.append(bytes)
            return output
        }
        guard isTargeted(frame) else {
            output.append(bytes)
            output += releaseHeld(overtaken: true)
            return output
        }
        var random = SeededRandom(seed: seed ^ Self.contentHash(bytes))
        switch Fault.pick(draw: Int(random.next() % 1000), profile: profile) {
        case .drop:
            counters.dropped += 1
        case .corrupt:
            // The receiver cannot read a damaged frame's sequence, so a held frame released
            // behind it would not look late: it stays held for the next intact frame.
            counters.corrupted += 1
            output.append(Self.corrupted(bytes, random: &random))
        case .duplicate:
            counters.duplicated += 1
            output += [bytes, Self.replayedCopy(of: frame) ?? bytes]
            output += releaseHeld(overtaken: true)
        case .delay:
            counters.delayed += 1
            delayedFrames.append((now &+ UInt64(profile.delayMilliseconds) * 1_000_000, bytes))
        case .reorder where held == nil:
            held = (now, bytes)  // counted as reordered once an intact later frame has overtaken it
        case .reorder, .none:
            output.append(bytes)
            output += releaseHeld(overtaken: true)
        }
        return output
    }

    /// One bit flipped at offset 8 or later: the sequence, timestamp, CRC and payload are all
    /// covered by the CRC, so the receiver must reject the frame as a checksum mismatch.
    static func corrupted(_ bytes: [UInt8], random: inout SeededRandom) -> [UInt8] {
        var copy = bytes
        let offset = 8 + Int(random.next() % UInt64(copy.count - 8))
        copy[offset] ^= UInt8(1) << UInt8(random.next() % 8)
        return copy
    }

    /// The frames whose delay has passed at `now` (and a reordered frame that waited too long).
    public mutating func releaseDue(now: UInt64) -> [[UInt8]] {
        var output: [[UInt8]] = []
        if !delayedFrames.isEmpty {
            let due = delayedFrames.filter { $0.due <= now }
            if !due.isEmpty {
                delayedFrames.removeAll { $0.due <= now }
                output += due.map(\.bytes)
            }
        }
        if let held, now &- held.since >= Self.reorderHoldNanoseconds {
            output += releaseHeld(overtaken: false)  // nothing overtook it: it arrives in order
        }
        counters.forwarded += output.count
        return output
    }

    /// The earliest time something is due, so the relay's poll can wake up for it.
    public var nextDeadline: UInt64? {
        let delayed = delayedFrames.map(\.due).min()
        let reorder = held.map { $0.since &+ Self.reorderHoldNanoseconds }
        switch (delayed, reorder) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Switches to `profile` from the next frame on (a live `splitsoc bridge faults`): the counters
    /// go on, and frames already delayed or held still leave when they are due.
    public mutating func replace(profile: FaultProfile) { self.profile = profile }

    /// Counts a frame the receiving side refused.
    public mutating func countUndeliverable() { counters.undeliverable += 1 }

    /// The held frame, if any; `overtaken` says an intact later frame went before it, which is what
    /// makes it a reordered frame for the receiver (and for `counters.reordered`).
    private mutating func releaseHeld(overtaken: Bool) -> [[UInt8]] {
        guard let held else { return [] }
        self.held = nil
        if overtaken { counters.reordered += 1 }
        return [held.bytes]
    }

    private func isTargeted(_ frame: Frame) -> Bool {
        if let types = profile.messageTypes, !types.contains(frame.message.type) { return false }
        let milliseconds = Int(frame.timestamp / 1_000_000)
        if milliseconds < profile.fromMilliseconds { return false }
        if let until = profile.untilMilliseconds, milliseconds >= until { return false }
        return profile.isActive
    }

    /// FNV-1a over the frame without its sequence (bytes 8..<12) and CRC (20..<24).
    static func contentHash(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for (index, byte) in bytes.enumerated() where !(8..<12).contains(index) && !(20..<24).contains(index) {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The frame re-encoded with the `replayed` flag and a valid CRC.
    static func replayedCopy(of frame: Frame) -> [UInt8]? {
        var copy = frame
        copy.flags.insert(.replayed)
        var buffer = [UInt8](repeating: 0, count: copy.encodedSize)
        let written = buffer.withUnsafeMutableBytes { raw in try? FrameCodec.encode(copy, into: raw) }
        return written == nil ? nil : buffer
    }
}

/// The one fault a frame gets (FaultProfile: at most one per frame).
enum Fault {
    case drop, corrupt, duplicate, delay, reorder, none

    /// The fault whose band of the profile's permilles contains `draw` (0..<1000).
    static func pick(draw: Int, profile: FaultProfile) -> Fault {
        let bands: [(Int, Fault)] = [
            (profile.dropPermille, .drop), (profile.corruptPermille, .corrupt), (profile.duplicatePermille, .duplicate),
            (profile.delayPermille, .delay), (profile.reorderPermille, .reorder),
        ]
        var upper = 0
        for (permille, fault) in bands {
            upper += permille
            if draw < upper { return fault }
        }
        return .none
    }
}

/// SplitMix64: a tiny seeded generator, so every relay decision is reproducible from the seed.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
