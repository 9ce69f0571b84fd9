import SoCWire

/// The expectation helpers checks are written with. Every wait is bounded and runs the poll loop
/// (so every connection's keeper keeps working); frames an expectation skips are kept in `history`
/// for failure messages.
extension KitConnection {
    /// Waits for the next decoded frame matching `match`, consuming it and every frame before it.
    /// - Throws: `CheckFailure` naming `what` and listing what arrived instead.
    @discardableResult
    func next(
        _ what: String, within timeout: Duration, on wire: ConformanceWire,
        where match: (Frame) -> Bool = { _ in true }
    ) throws -> ReceivedFrame {
        let start = ContinuousClock.now
        let deadline = start + timeout
        let firstSeen = history.count
        while true {
            if let index = inbox.firstIndex(where: { $0.frame.map(match) ?? false }) {
                let found = inbox[index]
                inbox.removeFirst(index + 1)
                return found
            }
            inbox.removeAll()
            if ContinuousClock.now >= deadline {
                let seen = history[min(firstSeen, history.count)...]
                throw CheckFailure(
                    "no \(what) within \(timeout.wholeMilliseconds) ms (\(name) received: \(seen.summaries()))")
            }
            try wire.pump(until: deadline) { !inbox.isEmpty }
        }
    }

    /// Waits for the next message whatever it is, undecodable ones included, and consumes it.
    func nextRaw(_ what: String, within timeout: Duration, on wire: ConformanceWire) throws -> ReceivedFrame {
        let deadline = ContinuousClock.now + timeout
        try wire.pump(until: deadline) { !inbox.isEmpty }
        guard !inbox.isEmpty else { throw CheckFailure("no \(what) within \(timeout.wholeMilliseconds) ms (\(name) received nothing)") }
        return inbox.removeFirst()
    }

    /// A position in `history`, for `since(_:)`.
    var mark: Int { history.count }

    /// The frames received since `mark`.
    func since(_ mark: Int) -> ArraySlice<ReceivedFrame> { history[min(mark, history.count)...] }

    /// Waits for the next `Message` of the kind `extract` picks, with its frame.
    func next<T>(
        _ what: String, within timeout: Duration, on wire: ConformanceWire, _ extract: (Message) -> T?
    ) throws -> (T, ReceivedFrame) {
        let received = try next(what, within: timeout, on: wire) { extract($0.message) != nil }
        // `next` returned a frame `extract` accepted.
        return (extract(received.frame!.message)!, received)
    }

    /// Serves the link for `duration` and returns every frame received meanwhile (consumed).
    func frames(during duration: Duration, on wire: ConformanceWire) throws -> [ReceivedFrame] {
        let firstSeen = history.count
        try wire.pump(for: duration)
        inbox.removeAll()
        return Array(history[min(firstSeen, history.count)...])
    }

    /// Serves the link for `duration` and fails if a frame matching `match` arrives.
    /// - Returns: the frames that did arrive.
    @discardableResult
    func expectNone(
        _ what: String, during duration: Duration, on wire: ConformanceWire, where match: (Frame) -> Bool
    ) throws -> [ReceivedFrame] {
        let start = ContinuousClock.now
        let seen = try frames(during: duration, on: wire)
        if let bad = seen.first(where: { $0.frame.map(match) ?? false }) {
            throw CheckFailure(
                "\(what): received \(bad.summary) \(bad.at.milliseconds(after: start)) ms into a "
                    + "\(duration.wholeMilliseconds) ms window")
        }
        return seen
    }

    /// Waits for the `Reject` the peer must send for the frame `(type, sequence)` and checks its code.
    @discardableResult
    func expectReject(
        _ code: RejectCode, refusing type: UInt8, sequence: UInt32, within timeout: Duration, on wire: ConformanceWire
    ) throws -> Reject {
        let what = "Reject(\(code)) answering type 0x\(ReceivedFrame.hex(type))"
        let (reject, _) = try next(what, within: timeout, on: wire, Extract.reject)
        try demand(
            reject.code == code && reject.refusedType == type && reject.refusedSequence == sequence,
            "expected Reject(\(code) type=0x\(ReceivedFrame.hex(type)) seq=\(sequence)), got "
                + ReceivedFrame.describe(.reject(reject)))
        return reject
    }

    /// The frames of `history` that failed to decode (a conforming peer never sends one).
    var undecodableFrames: [ReceivedFrame] { history.filter { $0.frame == nil } }
}

/// Message extractors for `next(_:within:on:_:)`.
enum Extract {
    static func hello(_ message: Message) -> Hello? {
        if case .hello(let hello) = message { return hello }
        return nil
    }
    static func helloAck(_ message: Message) -> HelloAck? {
        if case .helloAck(let ack) = message { return ack }
        return nil
    }
    static func heartbeat(_ message: Message) -> Heartbeat? {
        if case .heartbeat(let heartbeat) = message { return heartbeat }
        return nil
    }
    static func reject(_ message: Message) -> Reject? {
        if case .reject(let reject) = message { return reject }
        return nil
    }
    static func tickGrant(_ message: Message) -> UInt64? {
        if case .tickGrant(let through) = message { return through }
        return nil
    }
    static func tickAck(_ message: Message) -> UInt64? {
        if case .tickAck(let through) = message { return through }
        return nil
    }
}

extension Frame {
    /// True for the message types SPEC §3.0 lists as data frames (not session control).
    var isData: Bool {
        switch message {
        case .sample, .command, .moduleEvent, .tickGrant, .tickAck: return true
        case .hello, .helloAck, .heartbeat, .reject, .goodbye: return false
        }
    }

    var isHeartbeat: Bool { if case .heartbeat = message { return true } else { return false } }
    var isHello: Bool { if case .hello = message { return true } else { return false } }
    var isReject: Bool { if case .reject = message { return true } else { return false } }
}
