import CZeroMQ

/// The version of the libzmq library linked at run time.
public struct ZMQVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int32
    public var minor: Int32
    public var patch: Int32

    public init(major: Int32, minor: Int32, patch: Int32) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// The linked library's version. The corresponding C function is `zmq_version`.
    public static var current: ZMQVersion {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return ZMQVersion(major: major, minor: minor, patch: patch)
    }

    /// Whether the library was built with `capability` ("ipc", "curve", "draft", ...). CURVE needs
    /// libzmq built with libsodium (Debian's is): check `has("curve")` before using `ZMQCurveKeyPair`.
    /// The corresponding C function is `zmq_has`.
    public static func has(_ capability: String) -> Bool {
        capability.withCString { system_zmq_has($0) } == 1
    }

    /// "MAJOR.MINOR.PATCH".
    public var description: String { "\(major).\(minor).\(patch)" }
}
