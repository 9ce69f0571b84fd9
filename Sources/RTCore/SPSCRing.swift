import Synchronization

/// A fixed-capacity single-producer single-consumer ring of trivial values, the only way data
/// crosses between the tick thread and the I/O thread.
///
/// Storage is allocated once in `init`; `tryPush` and `tryPop` never allocate, lock or block. A push
/// into a full ring is refused and counted in `overruns` (the producer decides what that means).
/// Thread-safety: exactly one thread may push and exactly one (other) thread may pop.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    // @unchecked Sendable: `storage` slots are written only by the producer before it publishes
    // `tail` (release) and read only by the consumer after it observes `tail` (acquire), so no
    // slot is ever accessed by two threads at once.
    private let storage: UnsafeMutablePointer<Element>
    private let mask: Int
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let overrunCount = Atomic<UInt64>(0)

    /// The number of elements the ring holds (a power of two at least `minimumCapacity`).
    public let capacity: Int

    /// Creates an empty ring.
    /// - Parameters:
    ///   - minimumCapacity: rounded up to a power of two.
    ///   - filler: any value, used to initialise the storage (never read before being written).
    public init(minimumCapacity: Int, filler: Element) {
        precondition(minimumCapacity > 0, "an SPSC ring needs a positive capacity")
        var capacity = 1
        while capacity < minimumCapacity { capacity <<= 1 }
        self.capacity = capacity
        self.mask = capacity - 1
        self.storage = .allocate(capacity: capacity)
        storage.initialize(repeating: filler, count: capacity)
    }

    deinit { storage.deallocate() }

    /// Appends `element` if there is room; otherwise counts an overrun and returns `false`.
    /// Producer thread only.
    @inlinable @discardableResult
    public func tryPush(_ element: Element) -> Bool {
        pushImpl(element)
    }

    @usableFromInline
    func pushImpl(_ element: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        if t &- head.load(ordering: .acquiring) >= capacity {
            overrunCount.add(1, ordering: .relaxed)
            return false
        }
        storage[t & mask] = element
        tail.store(t &+ 1, ordering: .releasing)
        return true
    }

    /// Removes and returns the oldest element, or `nil` when the ring is empty. Consumer thread only.
    public func tryPop() -> Element? {
        let h = head.load(ordering: .relaxed)
        if h == tail.load(ordering: .acquiring) { return nil }
        let element = storage[h & mask]
        head.store(h &+ 1, ordering: .releasing)
        return element
    }

    /// Elements waiting (a snapshot; exact only on the consumer thread).
    public var count: Int { tail.load(ordering: .acquiring) &- head.load(ordering: .acquiring) }

    /// Pushes refused because the ring was full.
    public var overruns: UInt64 { overrunCount.load(ordering: .relaxed) }
}
