import FirmwareBuild
import Foundation

/// The Wasm modules the demo needs, built (or taken from the build cache) by `FirmwareBuilder`.
/// On a motor board the regulator is `motor-speed` (1.0, 1.1 and a faulty 1.2, the same story)
/// and there is no temperature filter.
package struct DemoFirmware: Sendable {
    /// The filter in front of the regulator (slot `filter`; thermal boards only).
    package var filter: String
    /// The regulator 1.0, loaded at start (slot `regulator`): thermostat, or motor-speed.
    package var thermostat: String
    /// The regulator 1.1, hot-swapped in.
    package var thermostatV11: String
    /// The regulator that traps after 20 batches.
    package var thermostatFaulty: String
    /// Whether these are the motor board's modules.
    package var motor = false

    /// The regulator's module name (`thermostat` or `motor-speed`).
    package var regulatorName: String { motor ? "motor-speed" : "thermostat" }

    /// The application core's pipeline, in order.
    package var pipeline: [(slot: String, path: String)] {
        motor ? [(slot: "regulator", path: thermostat)] : [(slot: "filter", path: filter), (slot: "regulator", path: thermostat)]
    }

    /// Finds the SplitSoC checkout: `start` and its parents, then the folder this source file was
    /// compiled from (so an installed binary run elsewhere still finds its modules).
    package static func packageRoot(startingAt start: String = FileManager.default.currentDirectoryPath) -> String? {
        FirmwareBuilder.packageRoot(containing: start + "/.")
            ?? FirmwareBuilder.packageRoot(containing: #filePath)
    }

    /// Builds the demo's modules.
    /// - Throws: `FirmwareBuildError` when a module does not compile, or `ValidationError`-style
    ///   `OrchestrationError.launchFailed` when no checkout is found.
    package static func build(packageRoot: String, motor: Bool = false) throws -> DemoFirmware {
        let builder = FirmwareBuilder(packageRoot: packageRoot)
        func path(_ stem: String) throws -> String { try builder.build(stem: stem).path }
        let regulator = motor ? "motor-speed" : "thermostat"
        return DemoFirmware(
            filter: motor ? "" : try path("calibrate-filter"),
            thermostat: try path(regulator),
            thermostatV11: try path("\(regulator)-1.1"),
            thermostatFaulty: try path("\(regulator)-faulty"),
            motor: motor
        )
    }
}
