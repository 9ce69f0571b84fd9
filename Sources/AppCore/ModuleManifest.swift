/// What a module declares about itself in its `splitsoc.manifest` custom section: UTF-8 text,
/// one `key = value` per line, `#` starts a comment line (docs/module-abi.md §Manifest).
public struct ModuleManifest: Sendable, Hashable {
    /// The custom section name the manifest travels in.
    public static let sectionName = "splitsoc.manifest"

    /// The module's name (`thermostat`).
    public var name: String
    /// `major.minor`, each 0…255 (so it fits the wire's `major << 8 | minor`).
    public var version: ModuleVersion
    /// The capabilities the module needs; its imports must stay within them.
    public var capabilities: Set<Capability>
    /// Fuel per batch call (≈ Wasm operators), or nil for the host's cap.
    public var fuelPerBatch: UInt64?
    /// Largest linear memory in 64 KiB pages, or nil for the host's cap.
    public var memoryPages: Int?
    /// Wall-clock deadline per batch call in microseconds, or nil for the host's cap.
    public var deadlineMicroseconds: UInt64?

    public init(
        name: String, version: ModuleVersion, capabilities: Set<Capability>, fuelPerBatch: UInt64? = nil,
        memoryPages: Int? = nil, deadlineMicroseconds: UInt64? = nil
    ) {
        self.name = name
        self.version = version
        self.capabilities = capabilities
        self.fuelPerBatch = fuelPerBatch
        self.memoryPages = memoryPages
        self.deadlineMicroseconds = deadlineMicroseconds
    }

    /// Parses the manifest text.
    /// - Throws: `ModuleLoadError` of kind `.invalidManifest` naming the offending line.
    public static func parse(_ text: String) throws(ModuleLoadError) -> ModuleManifest {
        var name: String?
        var version: ModuleVersion?
        var capabilities: Set<Capability> = []
        var manifest = ModuleManifest(name: "", version: ModuleVersion(major: 0, minor: 0), capabilities: [])
        func fail(_ message: String) -> ModuleLoadError { ModuleLoadError(.invalidManifest, message) }
        // `isNewline`: "\r\n" is one Character in Swift, so comparing with "\n" would miss CRLF lines.
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else { throw fail("line without '=': \(line)") }
            let key = line[..<equals].trimmingSpaces
            let value = line[line.index(after: equals)...].trimmingSpaces
            switch key {
            case "name":
                guard !value.isEmpty, value.count <= 64 else { throw fail("name must be 1…64 characters") }
                guard !value.unicodeScalars.contains(where: PrintableText.isControl) else {
                    throw fail("name must not contain control characters (it is printed in logs): \(PrintableText.escaped(value))")
                }
                name = value
            case "version":
                guard let parsed = ModuleVersion(value) else { throw fail("version '\(value)' is not MAJOR.MINOR (0…255)") }
                version = parsed
            case "capabilities":
                for item in value.split(separator: ",") {
                    let word = String(item).trimmingSpaces
                    if word.isEmpty { continue }
                    guard let capability = Capability(rawValue: word) else {
                        throw fail("unknown capability '\(word)' (known: \(Capability.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    capabilities.insert(capability)
                }
            case "fuel":
                guard let fuel = UInt64(value), fuel > 0 else { throw fail("fuel '\(value)' is not a positive integer") }
                manifest.fuelPerBatch = fuel
            case "memory-pages":
                guard let pages = Int(value), pages > 0, pages <= 65536 else { throw fail("memory-pages '\(value)' is not 1…65536") }
                manifest.memoryPages = pages
            case "deadline-us":
                guard let deadline = UInt64(value), deadline > 0 else { throw fail("deadline-us '\(value)' is not a positive integer") }
                manifest.deadlineMicroseconds = deadline
            case "abi":
                guard value == "1" else { throw fail("abi \(value) is not supported (this host speaks 1)") }
            default:
                // Unknown keys are ignored so newer build tools can add fields (docs/module-abi.md).
                continue
            }
        }
        guard let name else { throw fail("no 'name'") }
        guard let version else { throw fail("no 'version'") }
        manifest.name = name
        manifest.version = version
        manifest.capabilities = capabilities
        return manifest
    }
}

/// A module version `major.minor`.
public struct ModuleVersion: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var major: UInt8
    public var minor: UInt8

    public init(major: UInt8, minor: UInt8) {
        self.major = major
        self.minor = minor
    }

    /// Parses `MAJOR.MINOR`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt8(parts[0]), let minor = UInt8(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    /// The wire form (SPEC §3.8): `major << 8 | minor`.
    public var wireValue: UInt16 { UInt16(major) << 8 | UInt16(minor) }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: ModuleVersion, rhs: ModuleVersion) -> Bool { lhs.wireValue < rhs.wireValue }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
