import CAllocationCounter
import RTCore
import Testing

/// The charger board's models: the Li-ion cell, the charger's current output and the INA219.
@Suite("Charger models")
struct ChargerModelTests {
    static func cell(soc: Double = 0.5, timeScale: Double = 1) -> LiIonCell {
        LiIonCell(
            capacityAmpereHours: 2.0, seriesOhms: 0.06, polarisationOhms: 0.04, polarisationFarads: 750,
            thermalMass: 45, lossWattsPerKelvin: 0.15, timeScale: timeScale, ambientCelsius: 25,
            initialStateOfCharge: soc)
    }

    @Test("OCV: table points exact, interpolated between, monotonic, clamped outside 0…1")
    func openCircuitVoltage() {
        #expect(LiIonCell.openCircuitVolts(soc: 0) == 3.00)
        #expect(LiIonCell.openCircuitVolts(soc: 1) == 4.20)
        #expect(abs(LiIonCell.openCircuitVolts(soc: 0.55) - 3.775) < 1e-12)
        #expect(LiIonCell.openCircuitVolts(soc: -1) == 3.00)
        #expect(LiIonCell.openCircuitVolts(soc: 2) == 4.20)
        var previous = 0.0
        for i in 0...1000 {
            let v = LiIonCell.openCircuitVolts(soc: Double(i) / 1000)
            #expect(v >= previous)
            previous = v
        }
    }

    @Test("Coulomb counting: 1 A for 36 min into 2 Ah adds 30 % and the ledger matches")
    func coulombCounting() {
        var cell = Self.cell(soc: 0.2)
        for _ in 0..<2_160 { cell.step(seconds: 1, amperes: 1, substeps: 1) }
        #expect(abs(cell.stateOfCharge - 0.5) < 1e-9)
        #expect(abs(cell.chargeStored - cell.chargeIn) < 1e-6)
        #expect(abs(cell.chargeIn - 2_160) < 1e-6)
    }

    @Test("Terminal voltage: OCV + I·R0 at once, then the RC pair charges to I·R1 with τ = R1·C1")
    func polarisation() {
        var cell = Self.cell(soc: 0.5)
        cell.step(seconds: 0.001, amperes: 2, substeps: 1)
        let ocv = LiIonCell.openCircuitVolts(soc: cell.stateOfCharge)
        #expect(abs(cell.terminalVolts - (ocv + 0.12)) < 0.001)
        for _ in 0..<30 { cell.step(seconds: 1, amperes: 2, substeps: 100) }  // one τ = 30 s
        #expect(abs(cell.polarisationVolts / 0.08 - (1 - 1 / 2.718281828)) < 0.01)
        for _ in 0..<300 { cell.step(seconds: 1, amperes: 2, substeps: 100) }
        #expect(abs(cell.polarisationVolts - 0.08) < 1e-4)
        for _ in 0..<300 { cell.step(seconds: 1, amperes: 0, substeps: 100) }
        #expect(abs(cell.polarisationVolts) < 1e-4, "at rest the cell relaxes to its OCV")
    }

    @Test("Thermal: losses heat the cell to ambient + I²R/h; at rest it cools back to ambient")
    func thermal() {
        var cell = Self.cell(soc: 0.0)
        for _ in 0..<6_000 { cell.step(seconds: 1, amperes: 0.2, substeps: 10) }
        // Steady heat: I²·R0 + (I·R1)²/R1 = I²·(R0 + R1) = 0.04 · 0.1 = 4 mW → 0.0267 K.
        #expect(abs(cell.celsius - (25 + 0.004 / 0.15)) < 1e-4)
        cell.ambientCelsius = 40
        for _ in 0..<6_000 { cell.step(seconds: 1, amperes: 0, substeps: 10) }
        #expect(abs(cell.celsius - 40) < 1e-4)
    }

    @Test("The time scale compresses the dynamics: 1 s at ×60 equals 60 s at ×1")
    func timeScale() {
        var fast = Self.cell(soc: 0.3, timeScale: 60)
        var slow = Self.cell(soc: 0.3, timeScale: 1)
        for _ in 0..<1_000 { fast.step(seconds: 0.001, amperes: 2, substeps: 1) }
        for _ in 0..<1_000 { slow.step(seconds: 0.06, amperes: 2, substeps: 1) }
        #expect(abs(fast.stateOfCharge - slow.stateOfCharge) < 1e-12)
        #expect(abs(fast.celsius - slow.celsius) < 1e-12)
        #expect(abs(fast.polarisationVolts - slow.polarisationVolts) < 1e-12)
    }

    @Test("A full cell takes no more charge and its SOC stays within 0…1")
    func saturation() {
        var cell = Self.cell(soc: 0.999)
        for _ in 0..<10_000 { cell.step(seconds: 1, amperes: 2, substeps: 1) }
        #expect(cell.stateOfCharge == 1)
        #expect(abs(cell.chargeIn - 0.001 * 7_200) < 1e-6)
        for _ in 0..<10_000 { cell.step(seconds: 1, amperes: -2, substeps: 1) }
        #expect(cell.stateOfCharge == 0)
    }

    @Test("Charger output: DAC quantisation, disabled means zero, compliance voltage limits the current")
    func chargerOutput() {
        var output = ChargerOutput(fullScaleMilliamperes: 2_048, bits: 12, complianceVolts: 4.35)
        output.set(milliamperes: 1_000)
        #expect(output.code == 2_000)
        #expect(output.programmedMilliamperes == 1_000)
        output.set(milliamperes: 5_000)
        #expect(output.code == 4_095)
        output.set(milliamperes: -3)
        #expect(output.code == 0)
        output.set(milliamperes: 2_000)
        let empty = Self.cell(soc: 0.1)
        #expect(abs(output.deliveredAmperes(into: empty) - output.programmedMilliamperes / 1000) < 1e-12)
        let full = Self.cell(soc: 1.0)
        // Headroom 4.35 − 4.20 = 0.15 V over R0 = 0.06 Ω: 2.5 A possible, so the programmed 2 A flows.
        #expect(output.deliveredAmperes(into: full) == 2.0)
        let tight = ChargerOutput(fullScaleMilliamperes: 2_048, bits: 12, complianceVolts: 4.23)
        var tightOutput = tight
        tightOutput.set(milliamperes: 2_000)
        #expect(abs(tightOutput.deliveredAmperes(into: full) - 0.5) < 1e-9)
        output.enabled = false
        #expect(output.deliveredAmperes(into: empty) == 0)
    }

    @Test("INA219: calibration, shunt/bus/current/power registers as the datasheet computes them")
    func ina219Registers() {
        var device = INA219Device(address: 0x40, shuntOhms: 0.1)
        let calibration = device.calibration(currentLSB: 1e-4)
        #expect(calibration == 4_096)
        let result1 = device.read(register: INA219Device.currentRegister)
        #expect(result1 == .ack(0), "uncalibrated: current reads 0")
        let result101 = device.write(register: INA219Device.calibrationRegister, value: calibration)
        #expect(result101)
        device.convert(amperes: 1.5, volts: 4.05)
        let result2 = device.read(register: INA219Device.shuntVoltageRegister)
        #expect(result2 == .ack(15_000))
        guard case .ack(let bus) = device.read(register: INA219Device.busVoltageRegister) else {
            Issue.record("bus voltage NACKed")
            return
        }
        #expect(bus & 0b10 != 0, "conversion ready")
        #expect(INA219Device.millivolts(busRegister: bus) == 4_048)
        guard case .ack(let current) = device.read(register: INA219Device.currentRegister) else {
            Issue.record("current NACKed")
            return
        }
        #expect(INA219Device.milliamperes(currentRegister: current, currentLSB: 1e-4) == 1_500)
        let result3 = device.read(register: INA219Device.powerRegister)
        #expect(result3 == .ack(UInt16(15_000 * 1_012 / 5_000)))
        guard case .ack(let after) = device.read(register: INA219Device.busVoltageRegister) else { return }
        #expect(after & 0b10 == 0, "reading power clears CNVR")
        let result4 = device.read(register: 0x07)
        #expect(result4 == .nack)
        let result102 = device.write(register: INA219Device.currentRegister, value: 1)
        #expect(!result102)
    }

    @Test("INA219: overflow flag beyond ±320 mV, negative current, and reset clears calibration")
    func ina219Edges() {
        var device = INA219Device(address: 0x40, shuntOhms: 0.1)
        _ = device.write(register: INA219Device.calibrationRegister, value: 4_096)
        device.convert(amperes: -0.25, volts: 3.7)
        guard case .ack(let current) = device.read(register: INA219Device.currentRegister) else { return }
        #expect(INA219Device.milliamperes(currentRegister: current, currentLSB: 1e-4) == -250)
        device.convert(amperes: 4, volts: 3.7)
        guard case .ack(let bus) = device.read(register: INA219Device.busVoltageRegister) else { return }
        #expect(bus & 1 == 1)
        let result103 = device.write(register: INA219Device.configurationRegister, value: 0x8000)
        #expect(result103)
        let result5 = device.read(register: INA219Device.configurationRegister)
        #expect(result5 == .ack(INA219Device.resetConfiguration))
        let result6 = device.read(register: INA219Device.calibrationRegister)
        #expect(result6 == .ack(0))
    }

    @Test("The power monitor bus NACKs a wrong address and injected faults, deterministically")
    func powerMonitorBus() {
        var bus = MockPowerMonitorBus(device: INA219Device(address: 0x40, shuntOhms: 0.1), nackPermille: 200)
        var noise = PlantNoise(seed: 8)
        var nacks = 0
        for _ in 0..<5_000 where bus.read16(address: 0x40, register: 0x02, noise: &noise) == .nack { nacks += 1 }
        #expect(nacks > 900 && nacks < 1_100)
        let result7 = bus.read16(address: 0x41, register: 0x02, noise: &noise)
        #expect(result7 == .nack)
        let result104 = bus.write16(address: 0x41, register: 0x05, value: 4_096)
        #expect(!result104)
    }

    @Test("A CC/CV charge on the models alone: CC until 4.2 V, then the current tapers to C/20")
    func ccCvOnModels() throws {
        var cell = Self.cell(soc: 0.5, timeScale: 60)
        var output = ChargerOutput(fullScaleMilliamperes: 2_048, bits: 12, complianceVolts: 4.35)
        var milliamperes = 2_000.0
        var ccEndedAt: Int?
        var doneAt: Int?
        for tick in 0..<120_000 where doneAt == nil {
            output.set(milliamperes: Int(milliamperes))
            cell.step(seconds: 0.001, amperes: output.deliveredAmperes(into: cell), substeps: 1)
            if cell.terminalVolts >= 4.2 {
                ccEndedAt = ccEndedAt ?? tick
                milliamperes = max(milliamperes - (cell.terminalVolts - 4.2) * 2_000, 0)
            }
            if ccEndedAt != nil && milliamperes <= 100 { doneAt = tick }
        }
        let cc = try #require(ccEndedAt)
        let done = try #require(doneAt)
        #expect(cc > 10_000, "the CC phase from 50 % lasts")
        #expect(done < 110_000)
        #expect(cell.stateOfCharge > 0.97)
        #expect(cell.terminalVolts < 4.21)
    }

    @Test("Stepping the cell, the charger and the INA219 allocates nothing")
    func allocationFree() {
        var cell = Self.cell(soc: 0.2, timeScale: 60)
        var output = ChargerOutput(fullScaleMilliamperes: 2_048, bits: 12, complianceVolts: 4.35)
        var bus = MockPowerMonitorBus(device: INA219Device(address: 0x40, shuntOhms: 0.1), nackPermille: 5)
        var noise = PlantNoise(seed: 7)
        _ = bus.write16(address: 0x40, register: INA219Device.calibrationRegister, value: 4_096)
        var checksum: UInt64 = 0
        splitsoc_alloc_enable()
        for tick in 0..<20_000 {
            output.set(milliamperes: tick % 2_000)
            let amperes = output.deliveredAmperes(into: cell)
            cell.step(seconds: 0.001, amperes: amperes, substeps: 2)
            bus.device.convert(amperes: amperes, volts: cell.terminalVolts)
            if case .ack(let raw) = bus.read16(address: 0x40, register: INA219Device.busVoltageRegister, noise: &noise) {
                checksum &+= UInt64(raw)
            }
        }
        let allocations = splitsoc_alloc_count()
        splitsoc_alloc_disable()
        #expect(allocations == 0)
        #expect(checksum > 0)
    }
}
