import SoCWire

/// What a check works with: the wire, the timing scale, and the role-specific peer handles.
///
/// Not thread-safe: owned by the thread running the checks.
final class ConformanceRun {
    let role: ConformanceRole
    /// The endpoint as bound (`--role app`, wildcards resolved) or connected to (`--role rt`).
    let endpoint: String
    let wire: ConformanceWire
    /// `--timeout-scale`: multiplies every timing tolerance and wait.
    let scale: Double
    /// `--role app`: the `ROUTER` the kit binds, playing the real-time core.
    let rt: KitConnection?
    /// `--role app --exec`: the implementation's process.
    let peerProcess: PeerProcess?
    /// `--role rt`: the parameters of the last `HelloAck` the kit received.
    var announced: HelloAck?
    /// `--role rt`: the connections the current check opened (closed by `endCheck()`).
    private var checkConnections: [KitConnection] = []
    private var nonceGenerator = SystemRandomNumberGenerator()

    init(role: ConformanceRole, endpoint: String, wire: ConformanceWire, scale: Double, rt: KitConnection?, peerProcess: PeerProcess?) {
        self.role = role
        self.endpoint = endpoint
        self.wire = wire
        self.scale = scale
        self.rt = rt
        self.peerProcess = peerProcess
    }

    /// `milliseconds` × `--timeout-scale`: a wait or an upper tolerance.
    func scaled(_ milliseconds: Int) -> Duration {
        .milliseconds(Int((Double(milliseconds) * scale).rounded()))
    }

    /// A fresh non-zero session nonce (SPEC §3.1).
    func freshNonce() -> UInt32 {
        UInt32.random(in: 1...UInt32.max, using: &nonceGenerator)
    }

    /// The `ROUTER` connection (`--role app` only; the checks of that role are only run with one).
    var router: KitConnection {
        guard let rt else { preconditionFailure("an A- check ran without the kit's ROUTER") }
        return rt
    }

    // MARK: Check lifecycle

    /// Prepares for a check: inboxes and histories start empty.
    func startCheck() {
        for connection in wire.connections { connection.startCheck() }
    }

    /// Ends a check (`--role rt`): every session the check opened is ended with `Goodbye`, and its
    /// connections are closed.
    func endCheck() {
        for connection in checkConnections {
            if connection.session != nil { endSession(connection) }
            wire.close(connection)
        }
        checkConnections.removeAll()
    }

    /// Opens a new `DEALER` to the real-time core under test (a new connection, a new routing id).
    func connect(_ name: String) throws -> KitConnection {
        let connection = try wire.connectDealer(endpoint, name: name)
        checkConnections.append(connection)
        return connection
    }

    /// Ends `connection`'s session with `Goodbye(shutdown)` and waits (bounded) until the core has
    /// handled it: on one connection frames stay in order, so a `Reject(notReady)` for the
    /// `Heartbeat` sent after it means the core is back to `idle` before the next check's `Hello`.
    private func endSession(_ connection: KitConnection) {
        connection.session = nil
        guard (try? connection.send(.goodbye(Goodbye(reason: .shutdown)))) != nil,
            let probe = try? connection.send(.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0)))
        else { return }
        _ = try? connection.next("the Goodbye handled", within: scaled(300), on: wire) { frame in
            if case .reject(let reject) = frame.message { return reject.refusedSequence == probe.sequence }
            return false
        }
    }
}
