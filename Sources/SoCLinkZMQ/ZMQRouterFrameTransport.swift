import SoCLink
import ZeroMQ

/// A `FrameTransport` over a bound ZeroMQ `ROUTER` socket: the real-time core's end of the link
/// since protocol revision 1.1 (SPEC §1, §4.7).
///
/// A `DEALER` bound to an endpoint fair-queues every connection into one stream, so the real-time
/// core could not tell its application core from any other process that connected. A `ROUTER`
/// prefixes every message with the routing id of the connection it came from; this transport maps
/// routing ids to small `LinkPeer` values (never reused) so that the link layer can decide which
/// connection owns the session, and sends each frame to the connection the link layer names.
///
/// On the wire nothing changes: each ZeroMQ message a peer sends is one frame; the routing-id part
/// exists only inside this process. `ZMQ_ROUTER_MANDATORY` turns a send to a vanished connection
/// into `.wouldBlock` (dropped and counted by the caller) instead of a silent loss.
///
/// Allocation: none per message. The peer table is allocated once; a new connection costs a table
/// slot, not a heap allocation. Not thread-safe: owned by the I/O thread, like `ZMQFrameTransport`.
public final class ZMQRouterFrameTransport: FrameTransport {
    /// Connections remembered at once; the least recently heard is forgotten first (its next frame
    /// gets a new `LinkPeer`, so it counts as a stranger, never as somebody else).
    public static let peerCapacity = 64
    private static let maxRoutingIDBytes = 256

    private let socket: ZMQSocket
    public let endpoint: String
    private var table: PeerTable
    private let routingID = UnsafeMutableRawBufferPointer.allocate(byteCount: maxRoutingIDBytes, alignment: 8)
    private let discard = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
    public private(set) var lastSender: LinkPeer = .only
    private var destination: LinkPeer = .only
    /// Messages that were not [routing id, one frame]: a peer sending multi-part messages.
    public private(set) var malformedEnvelopes: UInt64 = 0

    private init(socket: consuming ZMQSocket, endpoint: String) {
        self.socket = socket
        self.endpoint = endpoint
        self.table = PeerTable(capacity: Self.peerCapacity, idBytes: Self.maxRoutingIDBytes)
    }

    deinit {
        routingID.deallocate()
        discard.deallocate()
        table.deallocate()
    }

    /// Binds a `ROUTER` to `endpoint` with the same queue, linger and security options as
    /// `ZMQFrameTransport`.
    /// - Throws: `ZMQError` from socket creation, options or `zmq_bind`.
    public static func bind(
        endpoint: String, context: ZMQContext, options: ZMQFrameTransport.Options = .init()
    ) throws(ZMQError) -> ZMQRouterFrameTransport {
        let socket = try ZMQFrameTransport.makeSocket(context: context, type: .router, options: options, immediate: false)
        try socket.setOption(.routerMandatory, to: 1)
        try socket.bind(endpoint)
        let resolved = (try? socket.lastEndpoint()).flatMap { $0.isEmpty ? nil : $0 } ?? endpoint
        return ZMQRouterFrameTransport(socket: socket, endpoint: resolved)
    }

    // MARK: FrameTransport

    public func setDestination(_ peer: LinkPeer) { destination = peer }

    /// Sends one frame to the current destination; an unknown or gone connection is `.wouldBlock`.
    public func trySend(_ message: UnsafeRawBufferPointer) throws(TransportError) -> TransportSendResult {
        guard let slot = table.slot(of: destination) else { return .wouldBlock }
        do {
            guard case .processed = try socket.send(table.routingID(at: slot), flags: [.dontWait, .sendMore]) else {
                return .wouldBlock
            }
            switch try socket.send(message, flags: .dontWait) {
            case .processed: return .sent
            case .wouldBlock: return .wouldBlock
            }
        } catch where error == .hostUnreachable {
            return .wouldBlock
        } catch {
            throw TransportError(code: error.rawValue, message: "zmq send failed: \(error.message)")
        }
    }

    /// Receives one frame and records its sender in `lastSender`.
    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> TransportReceiveResult {
        do {
            let idCount: Int
            switch try socket.receive(into: routingID, flags: .dontWait) {
            case .wouldBlock: return .wouldBlock
            case .received(let count): idCount = count
            case .truncated: idCount = routingID.count
            }
            lastSender = table.peer(for: UnsafeRawBufferPointer(rebasing: routingID[0..<idCount]))
            guard try socket.option(.receiveMore) == 1 else {
                malformedEnvelopes &+= 1
                return .received(0)  // an empty message: decodes as `truncated`, answered and counted
            }
            let result = try socket.receive(into: buffer, flags: .dontWait)
            try discardRemainingParts()
            switch result {
            case .received(let count): return .received(count)
            case .truncated(let size): return .truncated(size: size)
            case .wouldBlock: return .wouldBlock
            }
        } catch {
            throw TransportError(code: error.rawValue, message: "zmq receive failed: \(error.message)")
        }
    }

    public func waitUntilReadable(timeoutMilliseconds: Int32) throws(TransportError) -> Bool {
        do {
            return try socket.poll(events: .readable, timeoutMilliseconds: Int(timeoutMilliseconds)).contains(.readable)
        } catch {
            throw TransportError(code: error.rawValue, message: "zmq poll failed: \(error.message)")
        }
    }

    /// A poll item for the socket, to wait on it with other sockets (valid while the transport lives).
    public func pollItem(events: ZMQPollEvents = .readable) -> ZMQPollItem { socket.pollItem(events: events) }

    /// A peer that sends multi-part messages breaks the one-frame-per-message rule (SPEC §1): the
    /// extra parts are read and thrown away, so they cannot be taken for the next frame.
    private func discardRemainingParts() throws(ZMQError) {
        var extra = false
        while try socket.option(.receiveMore) == 1 {
            extra = true
            _ = try socket.receive(into: discard, flags: .dontWait)
        }
        if extra { malformedEnvelopes &+= 1 }
    }
}

/// Routing ids of the connections seen, each with the `LinkPeer` it was given. Fixed storage.
struct PeerTable {
    private let ids: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutableBufferPointer<Int>
    private let peers: UnsafeMutableBufferPointer<LinkPeer>
    private let lastUsed: UnsafeMutableBufferPointer<UInt64>
    private let idBytes: Int
    private var used = 0
    private var clock: UInt64 = 0
    private var nextPeer: UInt32 = 1

    init(capacity: Int, idBytes: Int) {
        self.idBytes = idBytes
        ids = .allocate(byteCount: capacity * idBytes, alignment: 8)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0)
        peers = .allocate(capacity: capacity)
        peers.initialize(repeating: .only)
        lastUsed = .allocate(capacity: capacity)
        lastUsed.initialize(repeating: 0)
    }

    func deallocate() {
        ids.deallocate()
        lengths.deallocate()
        peers.deallocate()
        lastUsed.deallocate()
    }

    func routingID(at slot: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: ids[slot * idBytes..<slot * idBytes + lengths[slot]])
    }

    func slot(of peer: LinkPeer) -> Int? {
        for slot in 0..<used where peers[slot] == peer { return slot }
        return nil
    }

    /// The peer for `id`, adding it (or replacing the least recently heard one) when new.
    mutating func peer(for id: UnsafeRawBufferPointer) -> LinkPeer {
        clock &+= 1
        for slot in 0..<used where lengths[slot] == id.count && Self.sameBytes(routingID(at: slot), id) {
            lastUsed[slot] = clock
            return peers[slot]
        }
        let slot = used < peers.count ? used : oldestSlot()
        if used < peers.count { used += 1 }
        let count = min(id.count, idBytes)
        UnsafeMutableRawBufferPointer(rebasing: ids[slot * idBytes..<slot * idBytes + count])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: id[0..<count]))
        lengths[slot] = count
        peers[slot] = LinkPeer(rawValue: nextPeer)
        nextPeer &+= 1
        lastUsed[slot] = clock
        return peers[slot]
    }

    private static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    private func oldestSlot() -> Int {
        var oldest = 0
        for slot in 1..<used where lastUsed[slot] < lastUsed[oldest] { oldest = slot }
        return oldest
    }
}
