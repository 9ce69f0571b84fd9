import SoCWire
import Synchronization

/// Options of one run that are not part of the board.
public struct RTRunOptions: Sendable {
    /// Seeds the plant noise and fault injection.
    public var seed: UInt64
    /// Operator setpoint (milli-°C for thermal boards, milli-rad/s for the motor); the board's default when nil.
    public var setpoint: Int32?
    /// Ambient temperature (milli-°C); the board's when nil.
    public var ambientMilliC: Int32?
    /// Capacities of the rings (records, messages, events).
    public var traceCapacity: Int
    public var outboundCapacity: Int
    public var inboundCapacity: Int
    /// Inputs applied at given ticks (sorted by tick).
    public var stimuli: [Stimulus] = []

    public init(seed: UInt64 = 1, setpoint: Int32? = nil, ambientMilliC: Int32? = nil, traceCapacity: Int = 1 << 16,
                outboundCapacity: Int = 1 << 14, inboundCapacity: Int = 1 << 12, stimuli: [Stimulus] = []) {
        self.stimuli = stimuli
        self.seed = seed
        self.setpoint = setpoint
        self.ambientMilliC = ambientMilliC
        self.traceCapacity = traceCapacity
        self.outboundCapacity = outboundCapacity
        self.inboundCapacity = inboundCapacity
    }
}

/// The real-time core's machine: board peripherals, plant, command gate, supervisor and the
/// actuator path, run one task at a time by a `CyclicScheduler`. It talks to the outside only
/// through its three SPSC rings and the telemetry atomics.
///
/// Not thread-safe: every method runs on the tick thread. `run(_:tick:)` allocates nothing.
public final class RTNode: TaskBody {
    public let board: BoardDescription
    /// Events for the tick thread (producer: I/O thread or virtual driver).
    public let inbound: SPSCRing<InboundEvent>
    /// Messages to send (consumer: I/O thread or virtual driver).
    public let outbound: SPSCRing<OutboundMessage>
    /// Trace records (consumer: I/O thread or virtual driver).
    public let trace: SPSCRing<TraceRecord>
    /// The mock UART console's FIFO.
    public let uart: UARTConsole
    public let telemetry = RTTelemetry()

    public private(set) var thermal: ThermalPlant
    public private(set) var motor: MotorPlant
    public private(set) var gpio = GPIOBank()
    public private(set) var adc: MockADC
    public let thermistor: ThermistorFrontEnd
    public private(set) var i2c: MockI2CBus
    public private(set) var pwm: MockPWM
    private var noise: PlantNoise

    public private(set) var gate: CommandGate
    public private(set) var supervisor: SafetySupervisor

    /// The operator's setpoint (milli-°C or milli-rad/s).
    public private(set) var operatorSetpoint: Int32
    /// Last measured process value (channel 0 or 3) and its status.
    public private(set) var measured: Int32 = 0
    public private(set) var measuredStatus: SampleStatus = .ok
    /// Duty applied to the PWM (‰, signed for the motor).
    public private(set) var appliedDuty: Int32 = 0
    public private(set) var fallbackHeating = false
    public private(set) var overTemperature = false
    public private(set) var sensorFaultInterlock = false
    public private(set) var overSpeed = false
    /// The simulated sensor fault in force.
    public private(set) var sensorFault: SensorFaultMode = .ok
    private let stimuli: UnsafeMutableBufferPointer<Stimulus>
    private var nextStimulus = 0
    private var consecutiveSensorFaults = 0
    private var lastEncoderCount: Int64 = 0
    /// Commands that arrived while not in `normal` (validated, then dropped, not applied).
    public private(set) var commandsIgnored: UInt64 = 0
    /// Ticks run late by more than a period (the core catching up after its own stall).
    public private(set) var catchUpTicks: UInt64 = 0
    /// Whether the tick being run is a catch-up tick (SPEC §4.8 "own stall").
    private var catchingUp = false
    public private(set) var interlockTrips: UInt64 = 0
    /// Tick at which the last duty change was traced, and its value.
    private var lastTracedDuty: Int32 = .min

    private let tickSeconds: Double
    /// Ticks after the sensor fails 3 times in a row before the sensor-fault interlock trips.
    public static let sensorFaultTripCount = 3

    public init(board: BoardDescription, options: RTRunOptions) {
        self.board = board
        inbound = SPSCRing(minimumCapacity: options.inboundCapacity, filler: InboundEvent(kind: .alive))
        outbound = SPSCRing(minimumCapacity: options.outboundCapacity, filler: OutboundMessage(kind: .sample, tick: 0))
        trace = SPSCRing(minimumCapacity: options.traceCapacity, filler: TraceRecord(tick: 0, kind: .sample))
        uart = UARTConsole(capacity: board.uartCapacityBytes)
        let ambient = Double(options.ambientMilliC.map(Int.init) ?? board.ambientMilliC) / 1000
        thermal = ThermalPlant(
            thermalMass: board.thermalMassJoulesPerKelvin, heaterMaxWatts: board.heaterMaxWatts,
            lossWattsPerKelvin: board.lossWattsPerKelvin, ambientCelsius: ambient,
            initialCelsius: Double(board.initialMilliC) / 1000)
        motor = MotorPlant(
            inertia: board.motorInertia, friction: board.motorFriction, torqueConstant: board.motorTorqueConstant,
            resistance: board.motorResistanceOhms, supplyVolts: board.motorSupplyVolts, loadTorque: board.motorLoadTorque)
        adc = MockADC(bits: board.adcBits, referenceMillivolts: board.adcReferenceMillivolts)
        thermistor = ThermistorFrontEnd(r25: board.thermistorR25Ohms, beta: board.thermistorBeta, dividerOhms: board.dividerOhms)
        i2c = MockI2CBus(device: TMP117Device(address: UInt8(board.i2cAddress)), nackPermille: board.i2cNackPermille)
        pwm = MockPWM(frequencyHz: board.pwmFrequencyHz, resolution: board.pwmResolution)
        noise = PlantNoise(seed: options.seed)
        gate = CommandGate(board: board)
        supervisor = SafetySupervisor(board: board)
        operatorSetpoint = options.setpoint
            ?? Int32(board.plant == .thermal ? board.defaultSetpointMilliC : board.motorSetpointMilliRadPerSecond)
        tickSeconds = Double(board.tickPeriodNanoseconds) / 1e9
        measured = Int32(board.plant == .thermal ? board.initialMilliC : 0)
        stimuli = .allocate(capacity: max(1, options.stimuli.count))
        _ = stimuli.initialize(from: options.stimuli)
        stimulusCount = options.stimuli.count
    }

    private let stimulusCount: Int

    deinit { stimuli.deallocate() }

    /// The setpoint the control path uses: the application's override while it holds, otherwise
    /// the operator's.
    public var effectiveSetpoint: Int32 {
        supervisor.state == .normal && gate.setpoint.active ? gate.setpoint.value : operatorSetpoint
    }

    // MARK: TaskBody

    public func beginTick(_ tick: UInt64, catchUp: Bool) {
        catchingUp = catchUp
        guard catchUp else { return }
        catchUpTicks &+= 1
        supervisor.excuse(tick: tick)
    }

    public func run(_ kind: TaskKind, tick: UInt64) {
        switch kind {
        case .sense: sense(tick: tick)
        case .supervise: supervise(tick: tick)
        case .control: control(tick: tick)
        case .plant: stepPlant(tick: tick)
        case .housekeeping: housekeeping(tick: tick)
        }
    }

    // MARK: Sense

    private func sense(tick: UInt64) {
        while nextStimulus < stimulusCount && stimuli[nextStimulus].tick <= tick {
            let stimulus = stimuli[nextStimulus]
            nextStimulus += 1
            handle(InboundEvent(kind: stimulus.kind, value: stimulus.value), tick: tick)
        }
        let faultNoise = sensorFault == .noisy ? noise.nextGaussian() * 2000 : 0
        switch board.sensor {
        case .adcThermistor:
            let celsius = thermal.celsius + (noise.nextGaussian() * board.sensorNoiseMilliC + faultNoise) / 1000
            let counts = sensorFault == .outOfRange
                ? adc.fullScale
                : adc.convert(millivolts: thermistor.millivolts(celsius: celsius, referenceMillivolts: adc.referenceMillivolts))
            if let value = thermistor.milliCelsius(counts: counts, fullScale: adc.fullScale) {
                sensorOK(value)
            } else {
                sensorFailed()
            }
        case .i2cTMP117:
            i2c.device.convert(milliCelsius: thermal.celsius * 1000 + noise.nextGaussian() * board.sensorNoiseMilliC + faultNoise)
            switch i2c.read16(address: UInt8(board.i2cAddress), register: TMP117Device.temperatureRegister, noise: &noise) {
            case .ack(let raw):
                // Out of range: the sensor reports its −256 °C code, which the host layer rejects.
                if sensorFault == .outOfRange { sensorFailed() } else { sensorOK(TMP117Device.milliCelsius(raw: raw)) }
            case .nack: sensorFailed()
            }
        case .encoder:
            let cpr = Double(board.encoderCountsPerRevolution)
            let count = Int64((motor.angle / (2 * Double.pi) * cpr).rounded(.down))
            let delta = count &- lastEncoderCount
            lastEncoderCount = count
            let period = tickSeconds * Double(board.tasks[TaskKind.sense.rawValue].periodTicks)
            let speed = Int32(clamping: Int64((Double(delta) * 2 * Double.pi / cpr / period * 1000 + faultNoise * 10).rounded()))
            if sensorFault == .outOfRange { sensorFailed() } else { sensorOK(speed) }
        }
        if board.plant == .thermal {
            publish(channel: 0, status: measuredStatus, value: measured, tick: tick)
            publish(channel: 1, status: .ok, value: effectiveSetpoint, tick: tick)
            publish(channel: 2, status: .ok, value: appliedDuty, tick: tick)
        } else {
            publish(channel: 3, status: measuredStatus, value: measured, tick: tick)
            publish(channel: 4, status: .ok, value: operatorSetpoint, tick: tick)
        }
    }

    private func sensorOK(_ value: Int32) {
        if sensorFault != .stuck { measured = value }
        measuredStatus = .ok
        consecutiveSensorFaults = 0
    }

    private func sensorFailed() {
        // The value repeats the last good one; the status says it is meaningless.
        measuredStatus = .fault
        consecutiveSensorFaults += 1
    }

    private func publish(channel: UInt8, status: SampleStatus, value: Int32, tick: UInt64) {
        outbound.tryPush(OutboundMessage(kind: .sample, channel: channel, status: status.rawValue, value: value, tick: tick))
        trace.tryPush(TraceRecord(tick: tick, kind: .sample, a: channel, b: UInt16(status.rawValue), value: value))
    }

    // MARK: Supervise

    private func supervise(tick: UInt64) {
        var budget = inbound.capacity
        while budget > 0, let event = inbound.tryPop() {
            budget -= 1
            handle(event, tick: tick)
        }
        let expired = gate.expire(tick: tick)
        if expired != 0 {
            // Targets 1...3 (a range, not an array literal: no allocation in the tick).
            for target in CommandTarget.heaterDuty...CommandTarget.motorDuty where expired & (1 << target) != 0 {
                trace.tryPush(TraceRecord(tick: tick, kind: .commandExpired, a: target))
                // In a catch-up tick the peer had no chance to renew it: the actuator falls back,
                // the peer is not blamed (SPEC §4.8 "own stall").
                if target != CommandTarget.setpointOverride && !catchingUp {
                    apply(supervisor.commandExpired(tick: tick), tick: tick)
                }
            }
        }
        apply(supervisor.check(tick: tick), tick: tick)
    }

    private func handle(_ event: InboundEvent, tick: UInt64) {
        switch event.kind {
        case .command:
            supervisor.validFrameSeen(tick: tick)
            trace.tryPush(
                TraceRecord(
                    tick: tick, kind: .commandReceived, a: event.target, b: event.validTicks, value: event.value,
                    extra: Int64(truncatingIfNeeded: event.fromTick)))
            // Outside `normal` a command is validated (an invalid one breaks the recovery streak)
            // but never applied (SPEC §4.8).
            guard supervisor.state == .normal else {
                if let reason = gate.validate(target: event.target) {
                    commandRejected(event, reason: reason, tick: tick)
                } else {
                    commandsIgnored &+= 1
                }
                return
            }
            switch gate.receive(target: event.target, value: event.value, validTicks: event.validTicks, tick: tick) {
            case .accepted(let value, let clamped):
                trace.tryPush(TraceRecord(tick: tick, kind: .commandAccepted, a: event.target, b: clamped ? 1 : 0, value: value))
            case .rejected(let reason):
                commandRejected(event, reason: reason, tick: tick)
            }
        case .alive, .tickAck:
            supervisor.validFrameSeen(tick: tick)
        case .sessionEstablished:
            gate.clear()
            let transition = supervisor.sessionEstablished(tick: tick)
            trace.tryPush(TraceRecord(tick: tick, kind: .session, value: Int32(truncatingIfNeeded: supervisor.sessions)))
            apply(transition, tick: tick)
        case .peerLost:
            trace.tryPush(TraceRecord(tick: tick, kind: .peer, a: 1))
            apply(supervisor.peerLost(tick: tick), tick: tick)
        case .peerLeft:
            trace.tryPush(TraceRecord(tick: tick, kind: .peer, a: 2))
            apply(supervisor.peerLeft(tick: tick), tick: tick)
        case .invalidFrame:
            apply(supervisor.invalidCommandSeen(tick: tick), tick: tick)
        case .operatorSetpoint:
            operatorSetpoint = event.value
            trace.tryPush(TraceRecord(tick: tick, kind: .input, a: event.kind.rawValue, value: event.value))
        case .ambient:
            thermal.ambientCelsius = Double(event.value) / 1000
            trace.tryPush(TraceRecord(tick: tick, kind: .input, a: event.kind.rawValue, value: event.value))
        case .sensorFault:
            sensorFault = SensorFaultMode(rawValue: UInt8(clamping: event.value)) ?? .outOfRange
            trace.tryPush(TraceRecord(tick: tick, kind: .input, a: event.kind.rawValue, value: event.value))
        case .i2cNack:
            i2c.nackPermille = Int(min(max(event.value, 0), 1000))
            trace.tryPush(TraceRecord(tick: tick, kind: .input, a: event.kind.rawValue, value: event.value))
        }
    }

    private func commandRejected(_ event: InboundEvent, reason: CommandRejection, tick: UInt64) {
        trace.tryPush(
            TraceRecord(tick: tick, kind: .commandRejected, a: event.target, b: UInt16(reason.rawValue), value: event.value))
        outbound.tryPush(
            OutboundMessage(
                kind: .reject, value: Int32(RejectCode.unknownCommandTarget.rawValue), sequence: event.sequence, tick: tick))
        apply(supervisor.invalidCommandSeen(tick: tick), tick: tick)
    }

    private func apply(_ transition: SupervisorTransition, tick: UInt64) {
        let from: SupervisorState
        var reason: Int32 = 0
        switch transition {
        case .none: return
        case .endSession:
            // The peer talks but never became healthy: end the session so it starts clean.
            outbound.tryPush(OutboundMessage(kind: .endSession, tick: tick))
            trace.tryPush(TraceRecord(tick: tick, kind: .peer, a: 3))
            return
        case .sessionStarted: from = .starting
        case .enteredFailSafe(let r):
            from = .normal
            reason = Int32(r.rawValue)
            gate.clear()
            uart.write("FAILSAFE enter tick=")
            uart.write(number: Int64(truncatingIfNeeded: tick))
            uart.write("\n")
        case .leftFailSafe, .recovered:
            from = .failSafe
            if transition == .recovered { reason = 1 }
            uart.write("FAILSAFE leave tick=")
            uart.write(number: Int64(truncatingIfNeeded: tick))
            uart.write("\n")
        }
        let to = supervisor.state
        gpio.write(pin: board.failSafeLEDPin, high: to == .failSafe)
        trace.tryPush(TraceRecord(tick: tick, kind: .stateChanged, a: from.rawValue, b: UInt16(to.rawValue), value: reason))
        telemetry.state.store(Int64(to.rawValue), ordering: .relaxed)
        telemetry.failSafeEntries.store(Int64(supervisor.failSafeEntries), ordering: .relaxed)
    }

    // MARK: Control

    private func control(tick: UInt64) {
        let requested: Int32
        let normal = supervisor.state == .normal
        if board.plant == .thermal {
            if normal {
                requested = gate.heater.active ? gate.heater.value : 0
            } else {
                // Local fallback: a conservative on-off thermostat around the operator's setpoint,
                // never above the board's safe ceiling (holding 35 °C when the operator asked for
                // 30 °C would be the fallback making things worse).
                let target = min(Int(operatorSetpoint), board.failSafeSetpointMilliC)
                let low = Int32(target - board.failSafeHysteresisMilliC)
                let high = Int32(target + board.failSafeHysteresisMilliC)
                if measured < low { fallbackHeating = true } else if measured > high { fallbackHeating = false }
                requested = fallbackHeating ? Int32(board.failSafeDutyPermille) : 0
            }
            // Interlocks, always active whatever the state.
            let cutoff = Int32(board.overTemperatureMilliC)
            let hot = measuredStatus == .ok && measured >= cutoff
            if hot != overTemperature {
                if hot || measured < cutoff - Int32(board.failSafeHysteresisMilliC) {
                    overTemperature = hot
                    interlock(1, on: hot, tick: tick)
                }
            }
            let failed = consecutiveSensorFaults >= Self.sensorFaultTripCount
            if failed != sensorFaultInterlock {
                sensorFaultInterlock = failed
                interlock(2, on: failed, tick: tick)
            }
        } else {
            requested = normal && gate.motor.active ? gate.motor.value : 0
            let fast = abs(Int(measured)) > board.overSpeedMilliRadPerSecond
            if fast != overSpeed {
                overSpeed = fast
                interlock(3, on: fast, tick: tick)
            }
        }
        var target = requested
        // Rate limit (board option): the duty moves at most this much per tick...
        let rate = Int32(board.dutyRateLimitPermillePerTick)
        if rate > 0 {
            let current = Int32(pwm.dutyPermille)
            target = min(max(target, current - rate), current + rate)
        }
        // ...but an interlock cuts the actuator at once.
        if overTemperature || sensorFaultInterlock || overSpeed { target = 0 }
        pwm.setDuty(permille: Int(target))
        appliedDuty = Int32(pwm.dutyPermille)
        gpio.write(pin: board.relayPin, high: appliedDuty != 0)
        if appliedDuty != lastTracedDuty {
            lastTracedDuty = appliedDuty
            let actuatorTarget = board.plant == .thermal ? CommandTarget.heaterDuty : CommandTarget.motorDuty
            trace.tryPush(TraceRecord(tick: tick, kind: .actuator, a: actuatorTarget, value: appliedDuty))
        }
        publishTelemetry(tick: tick)
    }

    private func interlock(_ which: UInt8, on: Bool, tick: UInt64) {
        if on { interlockTrips &+= 1 }
        trace.tryPush(TraceRecord(tick: tick, kind: .interlock, a: which, b: on ? 1 : 0))
    }

    private func publishTelemetry(tick: UInt64) {
        let t = telemetry
        t.tick.store(Int64(truncatingIfNeeded: tick), ordering: .relaxed)
        t.measured.store(Int64(measured), ordering: .relaxed)
        t.setpoint.store(Int64(effectiveSetpoint), ordering: .relaxed)
        t.duty.store(Int64(appliedDuty), ordering: .relaxed)
        if board.plant == .motor { t.motorSpeed.store(Int64(measured), ordering: .relaxed) }
        let c = gate.counters
        t.commandsReceived.store(Int64(c.received), ordering: .relaxed)
        t.commandsApplied.store(Int64(c.accepted), ordering: .relaxed)
        t.commandsClamped.store(Int64(c.clamped), ordering: .relaxed)
        t.commandsExpired.store(Int64(c.expired), ordering: .relaxed)
        t.commandsRejected.store(Int64(c.rejected), ordering: .relaxed)
        t.commandsIgnored.store(Int64(commandsIgnored), ordering: .relaxed)
        t.interlockTrips.store(Int64(interlockTrips), ordering: .relaxed)
    }

    // MARK: Plant and housekeeping

    private func stepPlant(tick: UInt64) {
        let seconds = tickSeconds * Double(board.tasks[TaskKind.plant.rawValue].periodTicks)
        switch board.plant {
        case .thermal: thermal.step(seconds: seconds, duty: pwm.dutyFraction, substeps: board.plantSubsteps)
        case .motor: motor.step(seconds: seconds, duty: pwm.dutyFraction, substeps: board.plantSubsteps)
        }
    }

    private func housekeeping(tick: UInt64) {
        let half = UInt64(board.heartbeatHalfPeriodTicks)
        gpio.write(pin: board.heartbeatLEDPin, high: (tick / half) % 2 == 0)
    }

    // MARK: Test and scenario hooks (not used by the tick)

    /// The true process value in milli-units (plant state, no sensor): for tests and summaries.
    public var trueProcessValue: Double {
        board.plant == .thermal ? thermal.celsius * 1000 : motor.radiansPerSecond * 1000
    }
}
