import ArgumentParser

/// The root of `splitsoc`, the tool people type: it starts, watches and measures the two cores.
public struct SplitSoCCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "splitsoc",
        abstract: "Run and measure SplitSoC, an emulated split system-on-chip (a real-time core and a Wasm application core joined by a ZeroMQ bridge).",
        subcommands: [
            PingCommand.self,
            DemoCommand.self,
            MonitorCommand.self,
            AppControlCommand.self,
            ModulesCommand.self,
            BenchCommand.self,
            ScenarioCommand.self,
            RelayCommand.self,
            StudioCommand.self,
            RTOperatorCommand.self,
            BridgeCommand.self,
            TraceCommand.self,
            ConformanceCommand.self,
            KeysCommand.self,
        ]
    )

    public init() {}
}
