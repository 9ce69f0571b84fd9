/// Why a module was refused at load or swap time. The message says what to fix.
///
/// A struct over an internal-style `Kind` so new reasons don't break callers (like `WasmKitError`).
public struct ModuleLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of refusal.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not a valid WebAssembly module (parse or validation failure).
        case invalidBinary = "invalid-binary"
        /// The binary is larger than the configured maximum.
        case tooLarge = "too-large"
        /// There is no `splitsoc.manifest` custom section.
        case missingManifest = "missing-manifest"
        /// The manifest does not parse.
        case invalidManifest = "invalid-manifest"
        /// The module imports something the host does not offer at all.
        case unknownImport = "unknown-import"
        /// The module imports a host function whose capability its manifest does not declare.
        case undeclaredImport = "undeclared-import"
        /// The manifest declares a capability the configuration does not grant.
        case capabilityNotGranted = "capability-not-granted"
        /// The manifest (or the module's memory) asks for more than the host permits.
        case overBudget = "over-budget"
        /// A required export is missing or has the wrong signature.
        case badExport = "bad-export"
        /// `ssoc_init` trapped, ran out of fuel, or returned nonzero; or instantiation failed.
        case initFailed = "init-failed"
        /// A swap named a slot that does not exist, or a module with another name.
        case badSlot = "bad-slot"
    }

    /// The class of refusal.
    public var kind: Kind
    /// A sentence for people: what was refused and why.
    public var message: String

    /// The message is cut to its first line and 400 characters, control characters escaped: a
    /// refusal is one line in a log or a control reply, whatever the error it wraps (a trap's
    /// backtrace can be hundreds of KiB).
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = PrintableText.summary(message)
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
