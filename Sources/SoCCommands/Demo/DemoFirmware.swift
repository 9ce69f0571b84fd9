import FirmwareBuild
import Foundation

/// The Wasm modules the demo needs, built (or taken from the build cache) by `FirmwareBuilder`.
package struct DemoFirmware: Sendable {
    /// The filter in front of the regulator (slot `filter`).
    package var filter: String
    /// Thermostat 1.0, loaded at start (slot `regulator`).
    package var thermostat: String
    /// Thermostat 1.1, hot-swapped in.
    package var thermostatV11: String
    /// The thermostat that traps after 20 batches.
    package var thermostatFaulty: String

    /// Finds the SplitSoC checkout: `start` and its parents, then the folder this source file was
    /// compiled from (so an installed binary run elsewhere still finds its modules).
    package static func packageRoot(startingAt start: String = FileManager.default.currentDirectoryPath) -> String? {
        FirmwareBuilder.packageRoot(containing: start + "/.")
            ?? FirmwareBuilder.packageRoot(containing: #filePath)
    }

    /// Builds the demo's modules.
    /// - Throws: `FirmwareBuildError` when a module does not compile, or `ValidationError`-style
    ///   `OrchestrationError.launchFailed` when no checkout is found.
    package static func build(packageRoot: String) throws -> DemoFirmware {
        let builder = FirmwareBuilder(packageRoot: packageRoot)
        func path(_ stem: String) throws -> String { try builder.build(stem: stem).path }
        return DemoFirmware(
            filter: try path("calibrate-filter"),
            thermostat: try path("thermostat"),
            thermostatV11: try path("thermostat-1.1"),
            thermostatFaulty: try path("thermostat-faulty")
        )
    }
}
