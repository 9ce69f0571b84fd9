import Glibc

/// Mock GPIO bank of 64 pins (LEDs, relay). Writes are plain bit operations; allocation-free.
public struct GPIOBank: Sendable {
    /// Pin levels, bit n = pin n.
    public private(set) var levels: UInt64 = 0
    /// Level changes per pin would need storage; the bank counts all edges instead.
    public private(set) var edges: UInt64 = 0

    public init() {}

    /// Drives `pin` high or low.
    public mutating func write(pin: Int, high: Bool) {
        let mask = UInt64(1) << UInt64(pin & 63)
        let old = levels & mask != 0
        if old != high { edges &+= 1 }
        if high { levels |= mask } else { levels &= ~mask }
    }

    /// The level of `pin`.
    public func read(pin: Int) -> Bool { levels & (UInt64(1) << UInt64(pin & 63)) != 0 }

    /// Toggles `pin`.
    public mutating func toggle(pin: Int) { write(pin: pin, high: !read(pin: pin)) }
}

/// Mock successive-approximation ADC: a voltage in, `bits`-bit counts out, clamped to the rails.
public struct MockADC: Sendable {
    public let bits: Int
    public let referenceMillivolts: Double
    /// Conversions that hit a rail (0 or full scale): a disconnected or shorted sensor.
    public private(set) var railHits: UInt64 = 0

    public init(bits: Int, referenceMillivolts: Int) {
        self.bits = bits
        self.referenceMillivolts = Double(referenceMillivolts)
    }

    /// Full-scale count (`2^bits − 1`).
    public var fullScale: Int { (1 << bits) - 1 }

    /// Converts `millivolts` with quantisation (round to nearest code) and rail clamping.
    public mutating func convert(millivolts: Double) -> Int {
        let code = Int((millivolts / referenceMillivolts * Double(fullScale + 1)).rounded(.down))
        let clamped = min(max(code, 0), fullScale)
        if clamped == 0 || clamped == fullScale { railHits &+= 1 }
        return clamped
    }
}

/// An NTC thermistor (beta model) at the bottom of a voltage divider whose top resistor goes to
/// the ADC reference: `V = Vref · R_ntc / (R_ntc + R_div)`.
public struct ThermistorFrontEnd: Sendable {
    public let r25: Double
    public let beta: Double
    public let dividerOhms: Double
    static let kelvin25 = 298.15

    public init(r25: Double, beta: Double, dividerOhms: Double) {
        self.r25 = r25
        self.beta = beta
        self.dividerOhms = dividerOhms
    }

    /// Resistance at `celsius` (beta model).
    public func resistance(celsius: Double) -> Double {
        r25 * exp(beta * (1.0 / (celsius + 273.15) - 1.0 / Self.kelvin25))
    }

    /// Divider output voltage at `celsius`.
    public func millivolts(celsius: Double, referenceMillivolts: Double) -> Double {
        let r = resistance(celsius: celsius)
        return referenceMillivolts * r / (r + dividerOhms)
    }

    /// The host layer's inverse: ADC counts → milli-°C. Returns `nil` at the rails (open or short
    /// circuit), which the board reports as a `fault` sample.
    public func milliCelsius(counts: Int, fullScale: Int) -> Int32? {
        guard counts > 0 && counts < fullScale else { return nil }
        // Use the code's centre to undo the ADC's round-down quantisation.
        let ratio = (Double(counts) + 0.5) / Double(fullScale + 1)
        let r = dividerOhms * ratio / (1.0 - ratio)
        let kelvin = 1.0 / (1.0 / Self.kelvin25 + log(r / r25) / beta)
        return Int32(((kelvin - 273.15) * 1000).rounded())
    }
}

/// What an I2C transfer returned.
public enum I2CResult: Sendable, Equatable {
    case ack(UInt16)
    /// The device did not acknowledge (absent, busy, or an injected fault).
    case nack
}

/// A TMP117-like digital temperature sensor (Texas Instruments TMP117 register map, simplified):
/// `0x00` temperature (signed, 7.8125 m°C per LSB), `0x01` configuration (`0x0220` at reset; bit 13
/// `Data_Ready`), `0x0F` device ID (`0x0117`). Other registers NACK.
public struct TMP117Device: Sendable {
    public static let temperatureRegister: UInt8 = 0x00
    public static let configurationRegister: UInt8 = 0x01
    public static let deviceIDRegister: UInt8 = 0x0F
    public static let deviceID: UInt16 = 0x0117
    /// m°C per LSB, as 7.8125 = 1000/128.
    public static let milliCelsiusPerLSB = 7.8125

    public let address: UInt8
    /// The last conversion result in register format.
    public private(set) var temperatureRaw: Int16 = 0
    public private(set) var configuration: UInt16 = 0x0220

    public init(address: UInt8) { self.address = address }

    /// The sensor converts the true temperature (the plant) into its register, with quantisation.
    public mutating func convert(milliCelsius: Double) {
        let raw = (milliCelsius / Self.milliCelsiusPerLSB).rounded()
        temperatureRaw = Int16(clamping: Int(max(min(raw, 32_767), -32_768)))
        configuration |= 0x2000  // Data_Ready
    }

    /// A register read as the bus sees it.
    public mutating func read(register: UInt8) -> I2CResult {
        switch register {
        case Self.temperatureRegister:
            configuration &= ~0x2000  // reading the result clears Data_Ready
            return .ack(UInt16(bitPattern: temperatureRaw))
        case Self.configurationRegister: return .ack(configuration)
        case Self.deviceIDRegister: return .ack(Self.deviceID)
        default: return .nack
        }
    }

    /// Converts a temperature register value to milli-°C (the host layer's step).
    public static func milliCelsius(raw: UInt16) -> Int32 {
        Int32((Double(Int16(bitPattern: raw)) * milliCelsiusPerLSB).rounded())
    }
}

/// A mock I2C bus with one device and NACK fault injection.
public struct MockI2CBus: Sendable {
    public var device: TMP117Device
    /// Probability (‰) that a transfer NACKs.
    public var nackPermille: Int
    /// Forces every transfer to NACK (scenario fault injection).
    public var forcedNack = false
    public private(set) var transfers: UInt64 = 0
    public private(set) var nacks: UInt64 = 0

    public init(device: TMP117Device, nackPermille: Int) {
        self.device = device
        self.nackPermille = nackPermille
    }

    /// Reads a 16-bit register of the device at `address`.
    public mutating func read16(address: UInt8, register: UInt8, noise: inout PlantNoise) -> I2CResult {
        transfers &+= 1
        let injected = noise.chance(permille: nackPermille)
        guard address == device.address, !forcedNack, !injected else {
            nacks &+= 1
            return .nack
        }
        let result = device.read(register: register)
        if result == .nack { nacks &+= 1 }
        return result
    }
}

/// A mock PWM channel: duty in permille, quantised to the counter resolution.
public struct MockPWM: Sendable {
    public let frequencyHz: Int
    public let resolution: Int
    /// The compare register (0 ... resolution).
    public private(set) var compare: Int = 0

    public init(frequencyHz: Int, resolution: Int) {
        self.frequencyHz = frequencyHz
        self.resolution = resolution
    }

    /// Sets the duty (clamped to −1000 ... 1000 ‰; the sign is the H-bridge direction).
    public mutating func setDuty(permille: Int) {
        let p = min(max(permille, -1000), 1000)
        compare = (p * resolution) / 1000
    }

    /// The duty actually produced, after quantisation, in permille.
    public var dutyPermille: Int { compare * 1000 / resolution }

    /// The duty as a fraction (−1 ... 1).
    public var dutyFraction: Double { Double(compare) / Double(resolution) }
}
