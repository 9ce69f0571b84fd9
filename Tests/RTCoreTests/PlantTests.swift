import RTCore
import Testing

@Suite("Plant models")
struct PlantTests {
    @Test("Thermal zone: stored heat equals heat in minus heat lost (energy balance)")
    func energyBalance() {
        var plant = ThermalPlant(thermalMass: 50, heaterMaxWatts: 100, lossWattsPerKelvin: 1, ambientCelsius: 20, initialCelsius: 20)
        for i in 0..<20_000 { plant.step(seconds: 0.001, duty: i < 10_000 ? 0.7 : 0.1, substeps: 1) }
        #expect(abs(plant.energyIn - 800) < 1e-6)
        #expect(abs(plant.energyStored - (plant.energyIn - plant.energyLost)) < 1e-6)
        #expect(plant.celsius > 20)
    }

    @Test("Thermal zone settles at ambient + P·duty/k")
    func thermalSteadyState() {
        var plant = ThermalPlant(thermalMass: 50, heaterMaxWatts: 100, lossWattsPerKelvin: 1, ambientCelsius: 20, initialCelsius: 20)
        for _ in 0..<1_000 { plant.step(seconds: 1, duty: 0.25, substeps: 10) }  // 20 time constants
        #expect(abs(plant.celsius - 45) < 0.001)
        #expect(plant.steadyStateCelsius(duty: 0.25) == 45)
    }

    @Test("With the heater off the zone relaxes to ambient and never overshoots")
    func relaxation() {
        var plant = ThermalPlant(thermalMass: 50, heaterMaxWatts: 100, lossWattsPerKelvin: 1, ambientCelsius: 20, initialCelsius: 60)
        var previous = plant.celsius
        for _ in 0..<500 {
            plant.step(seconds: 1, duty: 0, substeps: 1)
            #expect(plant.celsius <= previous)
            #expect(plant.celsius >= 20)
            previous = plant.celsius
        }
    }

    @Test("DC motor reaches its no-load steady speed; reversing the duty reverses it")
    func motorSteadyState() {
        var motor = MotorPlant(inertia: 2e-5, friction: 1e-5, torqueConstant: 0.02, resistance: 2, supplyVolts: 12, loadTorque: 0)
        for _ in 0..<3000 { motor.step(seconds: 0.001, duty: 0.5, substeps: 4) }
        let expected = motor.steadyStateRadiansPerSecond(duty: 0.5)
        #expect(abs(motor.radiansPerSecond - expected) / expected < 0.001)
        for _ in 0..<6000 { motor.step(seconds: 0.001, duty: -0.5, substeps: 4) }
        #expect(abs(motor.radiansPerSecond + expected) / expected < 0.001)
    }
}

@Suite("Sensor paths")
struct SensorPathTests {
    @Test("Thermistor → divider → 12-bit ADC → host conversion recovers the temperature within quantisation")
    func thermistorRoundTrip() {
        let front = ThermistorFrontEnd(r25: 10_000, beta: 3950, dividerOhms: 10_000)
        var adc = MockADC(bits: 12, referenceMillivolts: 3300)
        for celsius in stride(from: 0.0, through: 80.0, by: 2.5) {
            let counts = adc.convert(millivolts: front.millivolts(celsius: celsius, referenceMillivolts: 3300))
            let back = front.milliCelsius(counts: counts, fullScale: adc.fullScale)
            let recovered = try! #require(back)
            #expect(abs(Double(recovered) - celsius * 1000) < 150, "at \(celsius) °C got \(recovered) m°C")
        }
        #expect(abs(front.resistance(celsius: 25) - 10_000) < 1e-6)
    }

    @Test("ADC rails are reported as a sensor fault")
    func adcRails() {
        let front = ThermistorFrontEnd(r25: 10_000, beta: 3950, dividerOhms: 10_000)
        var adc = MockADC(bits: 12, referenceMillivolts: 3300)
        #expect(adc.convert(millivolts: 5000) == 4095)
        #expect(front.milliCelsius(counts: 4095, fullScale: 4095) == nil)
        #expect(front.milliCelsius(counts: 0, fullScale: 4095) == nil)
        #expect(adc.railHits == 1)
    }

    @Test("TMP117 register map: temperature in 7.8125 m°C LSB, config, device ID, NACK elsewhere")
    func tmp117() {
        var device = TMP117Device(address: 0x48)
        device.convert(milliCelsius: 25_000)
        #expect(device.read(register: 0x0F) == .ack(0x0117))
        #expect(device.read(register: 0x01) == .ack(0x2220))
        #expect(device.read(register: 0x00) == .ack(3200))  // 25 °C / 7.8125 m°C
        #expect(device.read(register: 0x01) == .ack(0x0220))  // Data_Ready cleared by the read
        #expect(device.read(register: 0x05) == .nack)
        #expect(TMP117Device.milliCelsius(raw: 3200) == 25_000)
        #expect(TMP117Device.milliCelsius(raw: UInt16(bitPattern: -128)) == -1000)
    }

    @Test("The I2C bus NACKs a wrong address, a forced fault and (by seed) injected faults")
    func i2cFaults() {
        var noise = PlantNoise(seed: 3)
        var bus = MockI2CBus(device: TMP117Device(address: 0x48), nackPermille: 0)
        #expect(bus.read16(address: 0x49, register: 0, noise: &noise) == .nack)
        bus.forcedNack = true
        #expect(bus.read16(address: 0x48, register: 0, noise: &noise) == .nack)
        bus.forcedNack = false
        bus.nackPermille = 500
        var nacks = 0
        for _ in 0..<1000 where bus.read16(address: 0x48, register: 0x0F, noise: &noise) == .nack { nacks += 1 }
        #expect((400...600).contains(nacks))
    }

    @Test("PWM quantises duty to its resolution and keeps the sign")
    func pwm() {
        var pwm = MockPWM(frequencyHz: 20, resolution: 255)
        pwm.setDuty(permille: 500)
        #expect(pwm.compare == 127)
        #expect(pwm.dutyPermille == 498)
        pwm.setDuty(permille: -2000)
        #expect(pwm.dutyPermille == -1000)
    }

    @Test("GPIO writes count edges; the UART FIFO keeps bytes in order and counts what it drops")
    func gpioAndUART() {
        var gpio = GPIOBank()
        gpio.write(pin: 13, high: true)
        gpio.write(pin: 13, high: true)
        gpio.toggle(pin: 13)
        #expect(!gpio.read(pin: 13))
        #expect(gpio.edges == 2)
        let uart = UARTConsole(capacity: 16)
        uart.write("tick=")
        uart.write(number: -1234)
        #expect(String(decoding: uart.drain(), as: UTF8.self) == "tick=-1234")
        uart.write("0123456789abcdefXYZ")
        #expect(uart.drain().count == 16)
        #expect(uart.ring.overruns == 3)
    }
}
