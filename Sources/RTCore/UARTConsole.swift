/// A mock UART transmit FIFO: the tick thread writes short fixed messages, the I/O thread drains
/// them to the log. Bytes that do not fit are dropped and counted (`ring.overruns`), as a real
/// UART with a full FIFO would drop them.
public final class UARTConsole: Sendable {
    /// The byte FIFO (producer: tick thread; consumer: I/O thread).
    public let ring: SPSCRing<UInt8>

    public init(capacity: Int) { ring = SPSCRing(minimumCapacity: capacity, filler: 0) }

    /// Writes a static message (no allocation: `StaticString` bytes live in the binary).
    public func write(_ message: StaticString) {
        message.withUTF8Buffer { bytes in
            for byte in bytes { ring.tryPush(byte) }
        }
    }

    /// Writes a decimal number (allocation-free).
    public func write(number: Int64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var magnitude = number.magnitude
        if number < 0 { ring.tryPush(UInt8(ascii: "-")) }
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0 && count < 20
            while count > 0 {
                count -= 1
                ring.tryPush(buffer[count])
            }
        }
    }

    /// Drains every pending byte (I/O thread).
    public func drain() -> [UInt8] {
        var out: [UInt8] = []
        while let byte = ring.tryPop() { out.append(byte) }
        return out
    }
}
