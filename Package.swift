// swift-tools-version:6.3
//
// SplitSoC: a split system-on-chip emulator. See docs/architecture.md for the layering rules that
// this manifest encodes:
//   SoCWire (pure codec, no deps)  <-  SoCLink (link state machine, Transport)  <-  RTCore / AppCore
//   ZeroMQ (the only libzmq wrapper) <- SoCLinkZMQ (the only place ZeroMQ meets SoCLink)
//   splitsoc-rt never links WasmKit; splitsoc-app never links the real-time core.

import PackageDescription

import class Foundation.ProcessInfo

/// Warnings become errors only when `SPLITSOC_WERROR` is set (CI sets it), as WasmKit gates its own.
let strictSettings: [SwiftSetting] =
    Context.environment["SPLITSOC_WERROR"] != nil ? [.treatAllWarnings(as: .error)] : []

let swiftSettings: [SwiftSetting] =
    strictSettings + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]

let package = Package(
    name: "SplitSoC",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "splitsoc", targets: ["splitsoc"]),
        .executable(name: "splitsoc-rt", targets: ["splitsoc-rt"]),
        .executable(name: "splitsoc-app", targets: ["splitsoc-app"]),
        .library(name: "SoCWire", targets: ["SoCWire"]),
        .library(name: "SoCTesting", targets: ["SoCTesting"]),
    ],
    dependencies: [
        // Exactly one trait: SwiftPM 6.3.1 passes several traits in random order and WasmKit then
        // rebuilds on every build/test switch (PLATFORM-NOTES). Pinned: ResourceLimiter is SPI in 0.4.2.
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2", traits: ["MultiThread"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The studio's web server (SSE over plain HTTP/1.1). No traits: neither swift-configuration nor
        // the full-Foundation extras are needed, and zero traits cannot be passed in a random order.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    ],
    targets: [
        // MARK: C layer
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        /// Shims for what Glibc does not import: prctl (variadic), CPU_SET, sched/rlimit macros.
        .target(name: "CSystemShims"),
        /// Lets a core process notice that the `splitsoc` process that started it is gone.
        .target(name: "CoreProcessSupport", swiftSettings: swiftSettings),
        /// Interposes malloc to count heap allocations; linked only into tests and benchmarks.
        .target(name: "CAllocationCounter"),

        // MARK: Bridge
        .target(name: "SoCWire", swiftSettings: swiftSettings),
        /// ENABLE_MOCKING (debug only): the system_zmq_* seam can force errnos and record the C calls in tests.
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            swiftSettings: swiftSettings + [.define("ENABLE_MOCKING", .when(configuration: .debug))]
        ),
        .target(name: "SoCLink", dependencies: ["SoCWire"], swiftSettings: swiftSettings),
        .target(name: "SoCLinkZMQ", dependencies: ["SoCLink", "SoCWire", "ZeroMQ"], swiftSettings: swiftSettings),

        // MARK: Parameter ranges (one table for board files and every command line)
        /// Pure: the allowed values of every numeric board key and flag, with units.
        .target(name: "SoCParameters", swiftSettings: swiftSettings),
        /// ArgumentParser glue shared by the three command lines: a range refusal is a usage error (64).
        .target(
            name: "SoCCommandLine",
            dependencies: ["SoCParameters", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),

        // MARK: Real-time core (never links WasmKit)
        .target(
            name: "RTCore", dependencies: ["SoCWire", "SoCLink", "CSystemShims", "SoCParameters"],
            swiftSettings: swiftSettings),
        .target(
            name: "RTCommands",
            dependencies: [
                "RTCore", "SoCLink", "SoCLinkZMQ", "SoCWire", "ZeroMQ", "CSystemShims", "CoreProcessSupport",
                "SoCParameters", "SoCCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Application core
        .target(
            name: "AppCore",
            dependencies: [
                "SoCWire", "SoCLink",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AppCommands",
            dependencies: [
                "AppCore", "FirmwareBuild", "SoCLink", "SoCLinkZMQ", "SoCWire", "ZeroMQ", "CoreProcessSupport",
                "SoCParameters", "SoCCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        /// Builds firmware-mock/modules (C and WAT) into .wasm with the Swift toolchain's clang.
        .target(
            name: "FirmwareBuild",
            dependencies: [.product(name: "WAT", package: "WasmKit"), .product(name: "WasmParser", package: "WasmKit")],
            swiftSettings: swiftSettings
        ),

        // MARK: The user's tool
        .target(
            name: "SoCCommands",
            dependencies: [
                "SoCWire", "SoCLink", "SoCLinkZMQ", "ZeroMQ", "RTCore", "AppCore", "FirmwareBuild",
                "CSystemShims", "CoreProcessSupport", "SoCParameters", "SoCCommandLine", "SoCStudio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "WasmKit", package: "WasmKit"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The studio: a Hummingbird server that streams a running pair's state to a browser page and
        /// forwards its buttons to the control sockets. Only `splitsoc` links it, never a core.
        .target(
            name: "SoCStudio",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Assets")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SoCTesting",
            dependencies: ["SoCWire", "SoCLink", "CoreProcessSupport"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "splitsoc",
            dependencies: ["SoCCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "splitsoc-rt", dependencies: ["RTCommands"], swiftSettings: swiftSettings),
        .executableTarget(name: "splitsoc-app", dependencies: ["AppCommands"], swiftSettings: swiftSettings),

        // MARK: Tests
        .testTarget(
            name: "SoCWireTests",
            dependencies: ["SoCWire", "SoCTesting", "CAllocationCounter"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SoCLinkTests",
            dependencies: ["SoCLink", "SoCWire", "SoCTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ZeroMQTests",
            dependencies: ["ZeroMQ", "SoCLinkZMQ", "SoCLink", "SoCWire", "SoCTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RTCoreTests",
            dependencies: ["RTCore", "SoCWire", "SoCLink", "SoCTesting", "CAllocationCounter", "SoCParameters"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppCoreTests",
            dependencies: [
                "AppCore", "FirmwareBuild", "SoCWire", "SoCLink", "SoCTesting",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The studio in headless Chromium (browser/ holds the Playwright test it runs) and the
        /// operator control sockets driven through the CLI.
        .testTarget(
            name: "StudioTests",
            dependencies: ["SoCCommands", "SoCTesting", "CoreProcessSupport"],
            exclude: ["browser"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SoCCommands", "SoCWire", "SoCLink", "SoCLinkZMQ", "ZeroMQ", "SoCTesting", "FirmwareBuild"],
            swiftSettings: swiftSettings
        ),
    ]
)
