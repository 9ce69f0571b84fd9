import Foundation
import RTCore
import Synchronization
import Testing
import Glibc

@Suite("SPSC ring")
struct SPSCRingTests {
    @Test("Elements come out in order; a full ring refuses and counts the overrun")
    func fifoAndOverrun() {
        let ring = SPSCRing<Int>(minimumCapacity: 3, filler: 0)
        #expect(ring.capacity == 4)
        for i in 0..<4 { #expect(ring.tryPush(i)) }
        #expect(!ring.tryPush(99))
        #expect(ring.overruns == 1)
        #expect((0..<4).map { _ in ring.tryPop() } == [0, 1, 2, 3])
        #expect(ring.tryPop() == nil)
        for i in 10..<13 { ring.tryPush(i) }  // wraps around
        #expect(ring.tryPop() == 10)
        #expect(ring.count == 2)
    }

    @Test("A producer thread and a consumer thread transfer a million values without loss or reordering")
    func crossThread() async {
        let ring = SPSCRing<UInt64>(minimumCapacity: 256, filler: 0)
        let total: UInt64 = 1_000_000
        let producer = Thread {
            var next: UInt64 = 0
            while next < total {
                if ring.tryPush(next) { next += 1 } else { sched_yield() }
            }
        }
        producer.start()
        var expected: UInt64 = 0
        var ordered = true
        while expected < total {
            if let value = ring.tryPop() {
                if value != expected { ordered = false }
                expected += 1
            } else {
                sched_yield()
            }
        }
        #expect(ordered)
        #expect(expected == total)
    }
}
