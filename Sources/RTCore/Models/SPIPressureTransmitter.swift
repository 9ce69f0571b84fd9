/// The status bits of a pressure transmitter's output frame (the top two bits of its first byte,
/// Honeywell TruStability HSC/SSC SPI convention).
public enum PressureFrameStatus: UInt8, Sendable, BitwiseCopyable {
    /// A fresh conversion.
    case normal = 0
    /// The device is in command mode (never after power-up here; decoded for completeness).
    case commandMode = 1
    /// The data was already read since the last conversion.
    case stale = 2
    /// The device's own diagnostics failed (or MISO floats high: an absent device reads all ones).
    case diagnostic = 3
}

/// A fault a scenario imposes on the transmitter (the `spi_fault` stimulus).
public enum PressureTransmitterFault: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Works.
    case ok = 0
    /// The device reports a diagnostic condition (status 3) in every frame.
    case diagnostic = 1
    /// The device is gone: MISO floats high and every byte reads `0xFF`.
    case disconnected = 2
    /// The device stops converting: every frame after the first is `stale` with the old counts.
    case frozen = 3

    /// The name in scenario and stimuli files.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .diagnostic: return "diagnostic"
        case .disconnected: return "disconnected"
        case .frozen: return "frozen"
        }
    }
}

/// A gauge pressure transmitter on SPI, modelled on the Honeywell TruStability HSC series: a read
/// is chip select low, then two bytes clocked out of MISO (MOSI ignored), then chip select high.
/// Byte 0 is `status(2) | counts[13:8]`, byte 1 is `counts[7:0]`. The 14-bit output is the
/// "10 % to 90 %" transfer function: `counts = 1638 + 13107 · (P − Pmin) / (Pmax − Pmin)`,
/// quantised (rounded down) and clamped to 0 ... 16383.
///
/// The device converts every `conversionPeriodTicks` ticks; reading twice within one period gives
/// a `stale` frame, as on the real part. Pure value type; allocation-free.
public struct SPIPressureTransmitter: Sendable {
    /// Lower end of the calibrated range (Pa).
    public let minimumPascal: Double
    /// Upper end of the calibrated range (Pa).
    public let maximumPascal: Double
    /// Ticks between two conversions (at least 1).
    public let conversionPeriodTicks: UInt64
    /// Output counts at `minimumPascal` (10 % of 2^14).
    public static let countsAtMinimum = 1638
    /// Output counts at `maximumPascal` (90 % of 2^14).
    public static let countsAtMaximum = 14745
    /// The largest 14-bit value.
    public static let countsFullScale = 16383

    /// The fault in force.
    public var fault: PressureTransmitterFault = .ok
    /// The output register: the last conversion's counts.
    public private(set) var counts: Int = 0
    /// Whether the current conversion has been read already.
    public private(set) var alreadyRead = true
    /// Conversions done.
    public private(set) var conversions: UInt64 = 0
    /// The frame being shifted out (16 bits) and how many bytes of it are gone.
    private var shiftRegister: UInt16 = 0
    private var bytesShifted = 0
    private var selected = false

    public init(minimumPascal: Double, maximumPascal: Double, conversionPeriodTicks: UInt64) {
        self.minimumPascal = minimumPascal
        self.maximumPascal = maximumPascal
        self.conversionPeriodTicks = max(conversionPeriodTicks, 1)
    }

    /// The counts for `pascal` by the transfer function, quantised and clamped.
    public func counts(pascal: Double) -> Int {
        let span = Double(Self.countsAtMaximum - Self.countsAtMinimum)
        let raw = Double(Self.countsAtMinimum) + span * (pascal - minimumPascal) / (maximumPascal - minimumPascal)
        return min(max(Int(raw.rounded(.down)), 0), Self.countsFullScale)
    }

    /// The host layer's inverse: counts to pascal (the centre of the count's interval).
    public func pascal(counts: Int) -> Double {
        let span = Double(Self.countsAtMaximum - Self.countsAtMinimum)
        return minimumPascal + (Double(counts) + 0.5 - Double(Self.countsAtMinimum)) / span
            * (maximumPascal - minimumPascal)
    }

    /// The sensing element sees `pascal` at `tick`; the device converts it when a period is due.
    public mutating func sense(pascal: Double, tick: UInt64) {
        guard tick % conversionPeriodTicks == 0, fault != .frozen || conversions == 0 else { return }
        counts = counts(pascal: pascal)
        alreadyRead = false
        conversions &+= 1
    }

    /// Chip select: `true` asserts it (active low on the pins), which latches the output frame.
    public mutating func select(_ asserted: Bool) {
        if asserted && !selected {
            let status: PressureFrameStatus = fault == .diagnostic ? .diagnostic : alreadyRead ? .stale : .normal
            shiftRegister = UInt16(status.rawValue) << 14 | UInt16(counts & Self.countsFullScale)
            bytesShifted = 0
        }
        if !asserted && selected && bytesShifted >= 2 { alreadyRead = true }
        selected = asserted
    }

    /// One byte clocked while selected: returns MISO. Beyond the frame the device shifts zeros.
    public mutating func transfer(_ mosi: UInt8) -> UInt8 {
        guard selected, fault != .disconnected else { return 0xFF }
        defer { bytesShifted += 1 }
        switch bytesShifted {
        case 0: return UInt8(shiftRegister >> 8)
        case 1: return UInt8(shiftRegister & 0xFF)
        default: return 0
        }
    }

    /// Decodes a two-byte frame as the host layer does.
    public static func decode(high: UInt8, low: UInt8) -> (status: PressureFrameStatus, counts: Int) {
        let status = PressureFrameStatus(rawValue: high >> 6) ?? .diagnostic
        return (status, Int(high & 0x3F) << 8 | Int(low))
    }
}

/// A mock SPI bus with one transmitter on one chip select, and transfer-error injection (a
/// corrupted frame, as a glitch on the clock line would give, which the device reports as a
/// diagnostic frame).
public struct MockSPIBus: Sendable {
    public var device: SPIPressureTransmitter
    /// Probability (‰) that a read comes back as a diagnostic frame.
    public var glitchPermille: Int
    /// Reads done, and reads whose frame was not `normal`.
    public private(set) var reads: UInt64 = 0
    public private(set) var failedReads: UInt64 = 0

    public init(device: SPIPressureTransmitter, glitchPermille: Int) {
        self.device = device
        self.glitchPermille = glitchPermille
    }

    /// One complete read transaction: select, two bytes, deselect.
    public mutating func readFrame(noise: inout PlantNoise) -> (status: PressureFrameStatus, counts: Int) {
        reads &+= 1
        device.select(true)
        var high = device.transfer(0)
        let low = device.transfer(0)
        device.select(false)
        if noise.chance(permille: glitchPermille) { high |= 0xC0 }
        let frame = SPIPressureTransmitter.decode(high: high, low: low)
        if frame.status != .normal { failedReads &+= 1 }
        return frame
    }
}
