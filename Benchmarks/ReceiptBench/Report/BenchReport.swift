import Foundation

/// Everything one `receiptd-bench run` measured, as written to the JSON file.
public struct BenchReport: Sendable, Codable {
    public var startedAt: String
    public var machine: Machine
    public var mode: String
    public var mix: LoadMix
    public var partitions: Int32
    /// `linger.ms` of the load generator and of receiptd's notification producer.
    public var lingerMs: Int
    public var scenarios: [ScenarioResult] = []
    public var ceiling: CeilingResult?
    /// receiptd's steady events/s over the pipelined Python peer's.
    public var receiptdOverPeer: Double?
    /// receiptd's steady events/s over the naive worker's.
    public var receiptdOverNaive: Double?
    /// receiptd's steady events/s over the Redis ceiling's implied events/s.
    public var receiptdOverCeiling: Double?

    public struct Machine: Sendable, Codable {
        public var processors: Int
        public var cpuModel: String
        public var memoryMiB: Int
        public var kernel: String

        static func current() -> Machine {
            let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
            let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
            let memKiB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
                .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
            let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            return Machine(processors: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model,
                           memoryMiB: memKiB / 1024, kernel: kernel)
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
