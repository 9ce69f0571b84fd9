/// An INA219-like high-side power monitor on I2C (Texas Instruments INA219 register map): it
/// measures the voltage across a shunt resistor and the bus voltage, and computes current and power
/// from a calibration register the host writes at start-up.
///
/// | reg | name | content |
/// |---|---|---|
/// | `0x00` | configuration | `0x399F` at reset; writing bit 15 resets the device |
/// | `0x01` | shunt voltage | signed, 10 µV per LSB |
/// | `0x02` | bus voltage | bits 15…3 = volts / 4 mV; bit 1 `CNVR` (conversion ready), bit 0 `OVF` (overflow) |
/// | `0x03` | power | `current · bus / 5000`, 20 × current LSB per LSB |
/// | `0x04` | current | signed, `shunt · calibration / 4096` (current LSB per LSB) |
/// | `0x05` | calibration | `trunc(0.04096 / (current_LSB · R_shunt))`, bit 0 reads 0; 0 = current and power read 0 |
///
/// Other registers NACK. Pure value type; allocation-free.
public struct INA219Device: Sendable {
    public static let configurationRegister: UInt8 = 0x00
    public static let shuntVoltageRegister: UInt8 = 0x01
    public static let busVoltageRegister: UInt8 = 0x02
    public static let powerRegister: UInt8 = 0x03
    public static let currentRegister: UInt8 = 0x04
    public static let calibrationRegister: UInt8 = 0x05
    public static let resetConfiguration: UInt16 = 0x399F
    /// Shunt register LSB (V) and bus register LSB (V).
    public static let shuntVoltsPerLSB = 10e-6
    public static let busVoltsPerLSB = 4e-3
    /// The ±320 mV full scale of the default PGA setting (/8) in shunt LSBs.
    public static let shuntFullScaleLSB = 32_000

    public let address: UInt8
    /// The shunt resistor on the board (Ω).
    public let shuntOhms: Double
    public private(set) var configuration: UInt16 = resetConfiguration
    public private(set) var calibration: UInt16 = 0
    public private(set) var shuntRaw: Int16 = 0
    public private(set) var busRaw: UInt16 = 0
    private var conversionReady = false
    private var overflow = false

    public init(address: UInt8, shuntOhms: Double) {
        self.address = address
        self.shuntOhms = shuntOhms
    }

    /// The calibration value for `currentLSB` amperes per LSB on this board's shunt.
    public func calibration(currentLSB: Double) -> UInt16 {
        // The datasheet truncates; the 1e-9 keeps 4096.0 from becoming 4095 through binary rounding.
        UInt16(clamping: Int((0.04096 / (currentLSB * shuntOhms) + 1e-9).rounded(.down)) & ~1)
    }

    /// A conversion: `amperes` through the shunt, `volts` on the bus (load side), quantised.
    public mutating func convert(amperes: Double, volts: Double) {
        let shunt = (amperes * shuntOhms / Self.shuntVoltsPerLSB).rounded()
        overflow = abs(shunt) > Double(Self.shuntFullScaleLSB)
        shuntRaw = Int16(clamping: Int(max(min(shunt, 32_767), -32_768)))
        let bus = Int((max(volts, 0) / Self.busVoltsPerLSB).rounded(.down))
        busRaw = UInt16(clamping: min(bus, 0x1FFF))
        conversionReady = true
    }

    private var currentRaw: Int16 {
        Int16(clamping: Int(shuntRaw) * Int(calibration) / 4096)
    }

    /// A register read as the bus sees it. Reading the power register clears `CNVR`, as on the part.
    public mutating func read(register: UInt8) -> I2CResult {
        switch register {
        case Self.configurationRegister: return .ack(configuration)
        case Self.shuntVoltageRegister: return .ack(UInt16(bitPattern: shuntRaw))
        case Self.busVoltageRegister:
            return .ack(busRaw << 3 | (conversionReady ? 0b10 : 0) | (overflow ? 0b01 : 0))
        case Self.powerRegister:
            conversionReady = false
            return .ack(UInt16(clamping: abs(Int(currentRaw)) * Int(busRaw) / 5000))
        case Self.currentRegister: return .ack(UInt16(bitPattern: currentRaw))
        case Self.calibrationRegister: return .ack(calibration)
        default: return .nack
        }
    }

    /// A register write. Only configuration and calibration are writable; others NACK.
    public mutating func write(register: UInt8, value: UInt16) -> Bool {
        switch register {
        case Self.configurationRegister:
            if value & 0x8000 != 0 {
                configuration = Self.resetConfiguration
                calibration = 0
            } else {
                configuration = value
            }
            return true
        case Self.calibrationRegister:
            calibration = value & ~1
            return true
        default: return false
        }
    }

    /// Bus register → millivolts (the host layer's step).
    public static func millivolts(busRegister: UInt16) -> Int32 { Int32(busRegister >> 3) * 4 }

    /// Current register → milliamperes for a current LSB in amperes.
    public static func milliamperes(currentRegister: UInt16, currentLSB: Double) -> Int32 {
        Int32((Double(Int16(bitPattern: currentRegister)) * currentLSB * 1000).rounded())
    }
}

/// A mock I2C bus with one INA219 and NACK fault injection (the power monitor's twin of
/// `MockI2CBus`).
public struct MockPowerMonitorBus: Sendable {
    public var device: INA219Device
    /// Probability (‰) that a transfer NACKs.
    public var nackPermille: Int
    public private(set) var transfers: UInt64 = 0
    public private(set) var nacks: UInt64 = 0

    public init(device: INA219Device, nackPermille: Int) {
        self.device = device
        self.nackPermille = nackPermille
    }

    /// Reads a 16-bit register of the device at `address`.
    public mutating func read16(address: UInt8, register: UInt8, noise: inout PlantNoise) -> I2CResult {
        transfers &+= 1
        guard address == device.address, !noise.chance(permille: nackPermille) else {
            nacks &+= 1
            return .nack
        }
        let result = device.read(register: register)
        if result == .nack { nacks &+= 1 }
        return result
    }

    /// Writes a 16-bit register; `false` is a NACK.
    public mutating func write16(address: UInt8, register: UInt8, value: UInt16) -> Bool {
        transfers &+= 1
        guard address == device.address, device.write(register: register, value: value) else {
            nacks &+= 1
            return false
        }
        return true
    }
}
