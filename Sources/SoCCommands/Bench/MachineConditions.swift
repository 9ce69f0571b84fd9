import CSystemShims
import Foundation
import ZeroMQ

/// The conditions a benchmark ran under, recorded with every result: figures from different
/// machines, kernels, loads or build configurations are never comparable.
struct MachineConditions: Codable, Sendable {
    var hostname: String
    var cpuModel: String
    var onlineCPUs: Int
    var kernel: String
    /// `/sys/kernel/realtime` or a `PREEMPT_RT` kernel version string.
    var preemptRT: Bool
    var clockSource: String
    /// The 1/5/15-minute load averages when the run started.
    var loadAverageAtStart: [Double]
    var loadAverageAtEnd: [Double]?
    var libzmqVersion: String
    /// `debug` or `release` (how `splitsoc` itself was compiled).
    var buildConfiguration: String
    var swiftVersion: String
    /// Whether the bench process may use SCHED_FIFO (root or an rtprio limit).
    var realtimePriorityAllowed: Bool
    /// The CPUs the bench process may run on (its affinity mask), e.g. "0-1".
    var allowedCPUs: String
    var isVirtualMachine: Bool
    /// The bench process's scheduling policy (SCHED_OTHER for the driver; loops set their own).
    var schedulerPolicy: String?
    /// cpufreq governor of CPU 0, when the kernel exposes one (VMs often do not).
    var cpuGovernor: String?
    var startedAt: String

    static func current() -> MachineConditions {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        var uts = utsname()
        uname(&uts)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        let kernel = "\(field(uts.sysname)) \(field(uts.release)) \(field(uts.version))"
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let allowed =
            status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list") }
            .map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "?"
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        // "Max realtime priority  SOFT  HARD  " in /proc/self/limits (RLIMIT_RTPRIO does not import).
        let limits = (try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8)) ?? ""
        let rtprio =
            limits.split(separator: "\n").first { $0.hasPrefix("Max realtime priority") }
            .flatMap { $0.split(separator: " ").dropFirst(3).first }.flatMap { Int($0) } ?? 0
        let formatter = ISO8601DateFormatter()
        let policies = ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE"]
        let policyIndex = Int(splitsoc_current_policy())
        let policy = policies.indices.contains(policyIndex) ? policies[policyIndex] : "?"
        let governor: String = read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") ?? "none exposed"
        return MachineConditions(
            hostname: ProcessInfo.processInfo.hostName, cpuModel: model, onlineCPUs: Int(splitsoc_cpu_count()),
            kernel: kernel,
            preemptRT: FileManager.default.fileExists(atPath: "/sys/kernel/realtime") || kernel.contains("PREEMPT_RT"),
            clockSource: read("/sys/devices/system/clocksource/clocksource0/current_clocksource") ?? "?",
            loadAverageAtStart: loadAverage(), loadAverageAtEnd: nil, libzmqVersion: ZMQVersion.current.description,
            buildConfiguration: configuration, swiftVersion: swiftCompilerVersion,
            realtimePriorityAllowed: getuid() == 0 || rtprio > 0, allowedCPUs: allowed,
            isVirtualMachine: cpuinfo.contains(" hypervisor"),
            schedulerPolicy: policy,
            cpuGovernor: governor,
            startedAt: formatter.string(from: Date()))
    }

    static func loadAverage() -> [Double] {
        var values = [Double](repeating: 0, count: 3)
        _ = getloadavg(&values, 3)
        return values.map { $0.benchRounded(toPlaces: 2) }
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static var swiftCompilerVersion: String {
        #if compiler(>=6.3)
        return "6.3+"
        #else
        return "<6.3"
        #endif
    }

    /// One `key=value` line (STYLE §10), for logs and the top of every output.
    var keyValueLine: String {
        [
            "host=\(hostname)", "cpu=\"\(cpuModel)\"", "cpus=\(onlineCPUs)", "allowed_cpus=\(allowedCPUs)",
            "kernel=\"\(kernel)\"", "preempt_rt=\(preemptRT)", "vm=\(isVirtualMachine)", "clocksource=\(clockSource)",
            "loadavg=\(loadAverageAtStart.map { String($0) }.joined(separator: "/"))", "libzmq=\(libzmqVersion)",
            "build=\(buildConfiguration)", "rtprio_allowed=\(realtimePriorityAllowed)", "sched=\(schedulerPolicy ?? "?")",
            "governor=\((cpuGovernor ?? "?").replacingOccurrences(of: " ", with: "_"))",
        ].joined(separator: " ")
    }
}
