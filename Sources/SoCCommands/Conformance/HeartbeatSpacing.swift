import SoCWire

/// Judges the spacing of a peer's periodic frames (Heartbeats, Hello retries) so that the kit's own
/// scheduling cannot fake a verdict on a loaded machine.
///
/// - Gaps between two frames are taken from the frames' own header timestamps when both carry the
///   sender's monotonic clock (flag `virtualTime` clear, SPEC §5.3): the kit reading two frames in one
///   go after a stall does not shrink them. A real-time core in virtual mode stamps virtual time, so
///   there the kit's arrival times are used and only the upper bound is judged per gap; the count of
///   frames in the window bounds them from below.
/// - The first gap is measured from the kit's own send of the frame that started the period (the
///   `HelloAck`, or the `Hello` it answers): a late read only makes it longer.
enum HeartbeatSpacing {
    /// The gap between two received frames in milliseconds, and whether it came from the sender's clock.
    static func gap(_ a: ReceivedFrame, _ b: ReceivedFrame) -> (milliseconds: Int, senderClock: Bool) {
        if let x = a.frame, let y = b.frame, !x.flags.contains(.virtualTime), !y.flags.contains(.virtualTime), y.timestamp >= x.timestamp {
            return (Int(((Double(y.timestamp - x.timestamp)) / 1e6).rounded()), true)
        }
        return ((b.at - a.at).wholeMilliseconds, false)
    }

    /// Checks heartbeats received during `window` after `start` against the announced interval:
    /// between 4 and window ÷ interval + 2 of them, the first between interval ÷ 2 and interval +
    /// 50 ms (scaled) after `start`, each next one likewise after the previous.
    /// - Returns: a note with the gaps.
    static func judge(
        _ beats: [ReceivedFrame], start: ContinuousClock.Instant, window: Duration, intervalMilliseconds interval: Int,
        run: ConformanceRun
    ) throws -> String {
        let most = Int(window.inMilliseconds) / interval + 2
        try demand(
            (4...most).contains(beats.count),
            "\(beats.count) Heartbeats in \(window.wholeMilliseconds) ms (interval \(interval) ms): expected 4…\(most)")
        let lower = interval / 2
        let upper = interval + run.scaled(50).wholeMilliseconds
        let first = (beats[0].at - start).wholeMilliseconds
        try demand(
            (lower...upper).contains(first),
            "the first Heartbeat came \(first) ms after the session began, expected \(lower)…\(upper) ms")
        let gaps = zip(beats, beats.dropFirst()).map { gap($0, $1) }
        for (milliseconds, senderClock) in gaps where milliseconds > upper || (senderClock && milliseconds < lower) {
            throw CheckFailure(
                "Heartbeats \(gaps.map(\.milliseconds)) ms apart (\(senderClock ? "sender's" : "kit's") clock), "
                    + "expected \(lower)…\(upper) ms")
        }
        return "first after \(first) ms, then \(gaps.map { String($0.milliseconds) }.joined(separator: ", ")) ms"
    }
}
