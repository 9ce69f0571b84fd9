import Foundation
import ZeroMQ

/// Subscribes to the application core's `module` telemetry topic (values Wasm modules publish)
/// and keeps every value with its module time, so expectations can use `module.SLOT.KEY` signals.
///
/// Thread-safe: a background thread appends under a lock; `stop()` returns what was collected.
final class ModuleTelemetryCollector: @unchecked Sendable {
    // @unchecked: `values`, `running` and `malformed` are only touched under `lock`.
    private let lock = NSLock()
    private var values: [(slot: String, key: String, nanoseconds: UInt64, value: Int)] = []
    private var running = true
    private var malformed = 0
    private let finished = DispatchSemaphore(value: 0)

    init(endpoint: String) {
        let thread = Thread { [self] in
            receiveLoop(endpoint: endpoint)
            finished.signal()
        }
        thread.name = "module-telemetry"
        thread.start()
    }

    /// Stops the thread and returns everything received: (slot, key, module time ns, value).
    func stop() -> (values: [(slot: String, key: String, nanoseconds: UInt64, value: Int)], malformed: Int) {
        let wasRunning = lock.withLock {
            let was = running
            running = false
            return was
        }
        if wasRunning { _ = finished.wait(timeout: .now() + 2) }
        return lock.withLock { (values, malformed) }
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func receiveLoop(endpoint: String) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        do {
            let context = try ZMQContext()
            let socket = try ZMQSocket(context: context, type: .subscriber)
            try socket.setOption(.receiveHighWaterMark, to: 100_000)
            try socket.subscribe(to: "module ")
            try socket.connect(endpoint)
            while isRunning {
                guard try socket.poll(events: .readable, timeoutMilliseconds: 20).contains(.readable) else { continue }
                while case .received(let count) = try socket.receive(into: buffer, flags: .dontWait) {
                    handle(Data(UnsafeRawBufferPointer(rebasing: buffer[0..<count])))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("splitsoc: module telemetry subscription failed: \(error)\n".utf8))
        }
    }

    private func handle(_ message: Data) {
        let body = message.drop { $0 != UInt8(ascii: " ") }.dropFirst()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let slot = object["slot"] as? String, let key = object["key"] as? String,
            let value = (object["value"] as? NSNumber)?.doubleValue,
            let nanoseconds = (object["module_t_ns"] as? NSNumber)?.uint64Value
        else {
            lock.withLock { malformed += 1 }
            return
        }
        lock.withLock { values.append((slot, key, nanoseconds, Int(value.rounded()))) }
    }
}
