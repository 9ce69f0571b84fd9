/// A mechanical contact on a GPIO input (a float switch, a push button, a limit switch) that
/// bounces: after every change of its true state the pin reads random levels for a while before it
/// settles. The bounce duration and the levels come from the run's seeded `PlantNoise`, so the same
/// seed gives the same bounce, edge for edge.
///
/// Pure value type; `sample` allocates nothing.
public struct BouncingContact: Sendable {
    /// Shortest and longest bounce after a change (µs).
    public let minimumBounceMicroseconds: Int
    public let maximumBounceMicroseconds: Int
    /// The contact's settled state (what the mechanism is doing).
    public private(set) var settled: Bool
    /// What the pin reads now.
    public private(set) var pin: Bool
    /// Time left in the current bounce (µs).
    public private(set) var bounceRemainingMicroseconds = 0
    /// Level changes seen on the pin (a clean contact makes one per change; a bouncing one more).
    public private(set) var pinEdges: UInt64 = 0

    public init(minimumBounceMicroseconds: Int, maximumBounceMicroseconds: Int, initial: Bool) {
        self.minimumBounceMicroseconds = max(minimumBounceMicroseconds, 0)
        self.maximumBounceMicroseconds = max(maximumBounceMicroseconds, minimumBounceMicroseconds, 0)
        self.settled = initial
        self.pin = initial
    }

    /// Samples the pin `elapsedMicroseconds` after the previous sample, the mechanism now being
    /// `actual`. Returns the pin level.
    public mutating func sample(actual: Bool, elapsedMicroseconds: Int, noise: inout PlantNoise) -> Bool {
        if actual != settled {
            settled = actual
            let spread = maximumBounceMicroseconds - minimumBounceMicroseconds
            let extra = spread > 0 ? Int(noise.next() % UInt64(spread + 1)) : 0
            bounceRemainingMicroseconds = minimumBounceMicroseconds + extra
        } else {
            bounceRemainingMicroseconds = max(bounceRemainingMicroseconds - elapsedMicroseconds, 0)
        }
        let level = bounceRemainingMicroseconds > 0 ? noise.next() & 1 == 1 : settled
        if level != pin { pinEdges &+= 1 }
        pin = level
        return level
    }
}

/// The firmware's answer to bounce: an input counts as changed only after `stableSamples`
/// consecutive samples agree (an integrating debouncer, as in Ganssle's "A Guide to Debouncing").
public struct Debouncer: Sendable {
    /// Consecutive equal samples needed to accept a change.
    public let stableSamples: Int
    /// The debounced state.
    public private(set) var state: Bool
    /// Accepted changes.
    public private(set) var changes: UInt64 = 0
    private var agreeing = 0

    public init(stableSamples: Int, initial: Bool) {
        self.stableSamples = max(stableSamples, 1)
        self.state = initial
    }

    /// Feeds one raw sample; returns the debounced state.
    public mutating func feed(_ raw: Bool) -> Bool {
        if raw == state {
            agreeing = 0
            return state
        }
        agreeing += 1
        if agreeing >= stableSamples {
            state = raw
            agreeing = 0
            changes &+= 1
        }
        return state
    }
}

/// A float switch: the float rises with the water and closes the contact at `tripLevel`; it drops
/// again only `hysteresis` below (the float's own buoyancy band).
public struct FloatSwitch: Sendable {
    /// Level at which the contact closes (m).
    public let tripLevel: Double
    /// How far below `tripLevel` the contact opens again (m).
    public let hysteresis: Double
    /// Whether the float is up (the contact's true state).
    public private(set) var raised = false

    public init(tripLevel: Double, hysteresis: Double) {
        self.tripLevel = tripLevel
        self.hysteresis = max(hysteresis, 0)
    }

    /// Updates the float for `level` (m) and returns whether it is raised.
    public mutating func update(level: Double) -> Bool {
        if level >= tripLevel { raised = true } else if level < tripLevel - hysteresis { raised = false }
        return raised
    }
}
