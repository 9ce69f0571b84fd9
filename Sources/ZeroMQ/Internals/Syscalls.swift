import CZeroMQ

// The one call path into libzmq (swift-system's `system_*` seam). Each wrapper reads `zmq_errno()`
// immediately after the call, with nothing in between, and returns both. They are `@inline(never)`
// so no ARC traffic or other call can slip between the C call and the errno read (NIO's rule).

/// The result of one C call: its return value and the errno read right after it.
struct SystemCallResult<Value> {
    var value: Value
    var errno: Int32
}

@inline(never)
func system_zmq_send(
    _ socket: UnsafeMutableRawPointer,
    _ buffer: UnsafeRawPointer?,
    _ count: Int,
    _ flags: Int32
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_send", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_send(socket, buffer, count, flags)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_recv(
    _ socket: UnsafeMutableRawPointer,
    _ buffer: UnsafeMutableRawPointer?,
    _ count: Int,
    _ flags: Int32
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_recv", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_recv(socket, buffer, count, flags)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_poll(
    _ items: UnsafeMutablePointer<zmq_pollitem_t>?,
    _ count: Int32,
    _ timeout: Int
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_poll", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_poll(items, count, timeout)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_setsockopt(
    _ socket: UnsafeMutableRawPointer,
    _ option: Int32,
    _ value: UnsafeRawPointer?,
    _ count: Int
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_setsockopt", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_setsockopt(socket, option, value, count)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_getsockopt(
    _ socket: UnsafeMutableRawPointer,
    _ option: Int32,
    _ value: UnsafeMutableRawPointer?,
    _ count: UnsafeMutablePointer<Int>?
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_getsockopt", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_getsockopt(socket, option, value, count)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_socket(_ context: UnsafeMutableRawPointer, _ type: Int32) -> SystemCallResult<UnsafeMutableRawPointer?> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_socket", failure: nil as UnsafeMutableRawPointer?) { return mocked }
    #endif
    let result = zmq_socket(context, type)
    return SystemCallResult(value: result, errno: result == nil ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_close(_ socket: UnsafeMutableRawPointer) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    ZMQMocking.current?.record("zmq_close")  // recorded, never failed: a leaked handle would hang teardown
    #endif
    let result = zmq_close(socket)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_bind(_ socket: UnsafeMutableRawPointer, _ endpoint: UnsafePointer<CChar>) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_bind", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_bind(socket, endpoint)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_connect(_ socket: UnsafeMutableRawPointer, _ endpoint: UnsafePointer<CChar>) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_connect", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_connect(socket, endpoint)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_unbind(_ socket: UnsafeMutableRawPointer, _ endpoint: UnsafePointer<CChar>) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_unbind", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_unbind(socket, endpoint)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_disconnect(_ socket: UnsafeMutableRawPointer, _ endpoint: UnsafePointer<CChar>) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_disconnect", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_disconnect(socket, endpoint)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_ctx_new() -> SystemCallResult<UnsafeMutableRawPointer?> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_ctx_new", failure: nil as UnsafeMutableRawPointer?) { return mocked }
    #endif
    let result = zmq_ctx_new()
    return SystemCallResult(value: result, errno: result == nil ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_ctx_set(_ context: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_ctx_set", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_ctx_set(context, option, value)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_ctx_shutdown(_ context: UnsafeMutableRawPointer) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_ctx_shutdown", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_ctx_shutdown(context)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_ctx_term(_ context: UnsafeMutableRawPointer) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    ZMQMocking.current?.record("zmq_ctx_term")  // recorded, never failed: a leaked handle would hang teardown
    #endif
    let result = zmq_ctx_term(context)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

/// Runs `call` until it does not fail with `EINTR` (when `retryOnInterrupt`), then maps a failure
/// to a `ZMQError`. `ENOTSOCK` and `EFAULT` mean a wrapper bug (a closed or bogus handle), so they
/// trap with the errno text instead of being thrown (NIO `isUnacceptableErrno`).
@inline(__always)
func retryingOnInterrupt(
    _ retryOnInterrupt: Bool,
    _ call: () -> SystemCallResult<Int32>
) -> Result<Int32, ZMQError> {
    while true {
        let result = call()
        if result.value >= 0 { return .success(result.value) }
        if result.errno == EINTR && retryOnInterrupt { continue }
        if result.errno == ENOTSOCK || result.errno == EFAULT {
            preconditionFailure("libzmq rejected a socket handle owned by the wrapper: \(ZMQError(rawValue: result.errno))")
        }
        return .failure(ZMQError(rawValue: result.errno))
    }
}

// MARK: Capabilities, Z85 and CURVE keys (no errno beyond the NULL / -1 result, but the same seam)

@inline(never)
func system_zmq_has(_ capability: UnsafePointer<CChar>) -> Int32 {
    zmq_has(capability)
}

@inline(never)
func system_zmq_z85_encode(
    _ destination: UnsafeMutablePointer<CChar>,
    _ data: UnsafePointer<UInt8>,
    _ count: Int
) -> SystemCallResult<Bool> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_z85_encode", failure: false) { return mocked }
    #endif
    let result = zmq_z85_encode(destination, data, count)
    return SystemCallResult(value: result != nil, errno: result == nil ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_z85_decode(
    _ destination: UnsafeMutablePointer<UInt8>,
    _ text: UnsafePointer<CChar>
) -> SystemCallResult<Bool> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_z85_decode", failure: false) { return mocked }
    #endif
    let result = zmq_z85_decode(destination, text)
    return SystemCallResult(value: result != nil, errno: result == nil ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_curve_keypair(
    _ publicKey: UnsafeMutablePointer<CChar>,
    _ secretKey: UnsafeMutablePointer<CChar>
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_curve_keypair", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_curve_keypair(publicKey, secretKey)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}

@inline(never)
func system_zmq_curve_public(
    _ publicKey: UnsafeMutablePointer<CChar>,
    _ secretKey: UnsafePointer<CChar>
) -> SystemCallResult<Int32> {
    #if ENABLE_MOCKING
    if let mocked = mockedFailure("zmq_curve_public", failure: -1 as Int32) { return mocked }
    #endif
    let result = zmq_curve_public(publicKey, secretKey)
    return SystemCallResult(value: result, errno: result < 0 ? zmq_errno() : 0)
}
