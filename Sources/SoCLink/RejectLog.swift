public import SoCWire

/// Bounded logging of `Reject`s received (SPEC §4.4): the first one is told at once, then at most
/// one summary line per second while they keep coming — a flood of garbage must not become a flood
/// of log lines. Counting stays exact in `LinkCounters`; this only decides what to print.
///
/// Pure value driven by injected time (nanoseconds); allocation-free until a line is made.
public struct RejectLog: Sendable {
    /// Rejects seen since the last line, by `RejectCode` raw value (index 0: unknown codes).
    private var pending = RejectCounts()
    private var lastLineAt: UInt64?
    public let intervalNanoseconds: UInt64

    public init(intervalNanoseconds: UInt64 = 1_000_000_000) {
        self.intervalNanoseconds = intervalNanoseconds
    }

    /// Notes a received `Reject`. Returns a line to log now, or nil when it is kept for the summary.
    public mutating func note(_ reject: Reject, now: UInt64) -> String? {
        guard let last = lastLineAt, now &- last < intervalNanoseconds else {
            lastLineAt = now
            let flushed = pending.isEmpty ? "" : " (and " + summary() + " before it)"
            pending = RejectCounts()
            return "link rejected by peer code=\(reject.code) type=\(reject.refusedType) seq=\(reject.refusedSequence)" + flushed
        }
        pending.add(reject.code)
        return nil
    }

    /// Call from the timer loop: the summary of what was kept, once the interval has passed.
    public mutating func flush(now: UInt64) -> String? {
        guard !pending.isEmpty, let last = lastLineAt, now &- last >= intervalNanoseconds else { return nil }
        lastLineAt = now
        defer { pending = RejectCounts() }
        return summary() + " in the last second"
    }

    private func summary() -> String {
        var parts: [String] = []
        for code in RejectCode.allCases where pending.count(code) > 0 {
            parts.append("\(code)×\(pending.count(code))")
        }
        return "\(pending.total) rejects received (codes: \(parts.joined(separator: " ")))"
    }
}

/// Counts per reject code in fixed storage (codes 1…8 of SPEC §3.10; slot 0 for anything else).
struct RejectCounts: Sendable {
    private var counts = InlineArray<9, UInt64>(repeating: 0)
    private(set) var total: UInt64 = 0
    var isEmpty: Bool { total == 0 }

    private static func slot(_ code: RejectCode) -> Int { Int(code.rawValue) < 9 ? Int(code.rawValue) : 0 }

    mutating func add(_ code: RejectCode) {
        total &+= 1
        counts[Self.slot(code)] &+= 1
    }

    func count(_ code: RejectCode) -> UInt64 { counts[Self.slot(code)] }
}
