import SoCWire
import ZeroMQ

/// The kit's sockets and the one poll loop that serves them all.
///
/// Every wait of a check is `pump(until:stop:)`: a `zmq_poll` over every connection, bounded by the
/// deadline and by the next keeper deadline, that reads whatever arrived into the connections'
/// inboxes and lets each connection's keeper heartbeat. There are no fixed sleeps: a wait ends when
/// its condition holds or its deadline passes.
///
/// Not thread-safe: owned by the thread running the checks.
final class ConformanceWire {
    let context: ZMQContext
    private(set) var connections: [KitConnection] = []
    /// Milliseconds the kit's sockets keep unsent frames at close (a `Goodbye` sent just before).
    static let lingerMilliseconds: Int32 = 100

    init() throws {
        context = try ZMQContext()
    }

    /// Binds a `ROUTER` at `endpoint` (the kit plays the real-time core, SPEC §1/§4.7).
    /// - Returns: the connection and the endpoint with wildcards resolved.
    func bindRouter(_ endpoint: String) throws -> (KitConnection, String) {
        let socket = try ZMQSocket(context: context, type: .router, lingerMilliseconds: Self.lingerMilliseconds)
        do {
            try socket.bind(endpoint)
        } catch {
            throw CheckFailure("cannot bind \(endpoint): \(error.message)")
        }
        let resolved = (try? socket.lastEndpoint()).flatMap { $0.isEmpty ? nil : $0 } ?? endpoint
        let connection = KitConnection(name: "rt", kitRole: .realTime, socket: socket, isRouter: true)
        connections.append(connection)
        return (connection, resolved)
    }

    /// Connects a new `DEALER` to `endpoint` (the kit plays an application core; each `DEALER` is a
    /// connection of its own, with its own routing id, so several play strangers, SPEC §4.7).
    func connectDealer(_ endpoint: String, name: String) throws -> KitConnection {
        let socket = try ZMQSocket(context: context, type: .dealer, lingerMilliseconds: Self.lingerMilliseconds)
        try socket.connect(endpoint)
        let connection = KitConnection(name: name, kitRole: .application, socket: socket, isRouter: false)
        connections.append(connection)
        return connection
    }

    /// Closes `connection`'s socket.
    func close(_ connection: KitConnection) {
        connections.removeAll { $0 === connection }
    }

    /// Serves every connection until `deadline` or until `stop()` holds (checked after each read).
    func pump(until deadline: ContinuousClock.Instant, stop: () -> Bool = { false }) throws {
        while true {
            for connection in connections { try connection.drain() }
            let now = ContinuousClock.now
            for connection in connections { try connection.keep(now: now) }
            if stop() || now >= deadline { return }
            let keeper = connections.compactMap(\.nextKeeperDeadline).min() ?? deadline
            let wake = min(deadline, keeper)
            var items = connections.map { $0.pollItem() }
            _ = try ZMQPollItem.poll(&items, timeoutMilliseconds: max(0, wake.milliseconds(after: now, roundingUp: true)))
        }
    }

    /// Serves every connection for `duration`.
    func pump(for duration: Duration) throws {
        try pump(until: ContinuousClock.now + duration)
    }
}

extension ContinuousClock.Instant {
    /// Whole milliseconds from `start` to this instant.
    func milliseconds(after start: ContinuousClock.Instant, roundingUp: Bool = false) -> Int {
        let value = (self - start).inMilliseconds
        return Int(roundingUp ? value.rounded(.up) : value.rounded())
    }
}

extension Duration {
    /// This duration in (fractional) milliseconds.
    var inMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Rounded whole milliseconds, for messages.
    var wholeMilliseconds: Int { Int(inMilliseconds.rounded()) }
}
