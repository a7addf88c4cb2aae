import Foundation

/// Runs the scenarios a mode asks for and puts their results in one report.
///
/// Mode `all`: receiptd at max rate; receiptd at half that rate (latency); the naive
/// worker at max rate on `naiveEvents`; the pipelined Python peer at max rate; the
/// Redis ceiling. Each scenario has its own
/// topics, group and conversation IDs (the run tag), from the same seeded mix.
public struct BenchRunner {
    public let configuration: BenchConfiguration
    public let mode: BenchMode
    private let runTag: String

    public init(configuration: BenchConfiguration, mode: BenchMode) {
        self.configuration = configuration
        self.mode = mode
        runTag = String(UInt64.random(in: 0...UInt64.max) % 1_000_000_000, radix: 36)
    }

    public func run(log: @escaping (String) -> Void) throws -> BenchReport {
        var report = BenchReport(
            startedAt: ISO8601DateFormatter().string(from: Date()), machine: .current(), mode: mode.rawValue,
            mix: configuration.mix, partitions: configuration.partitions, lingerMs: configuration.lingerMs)
        func scenario(_ name: String, _ worker: Scenario.Worker, events: Int, rate: Int?, suffix: String) throws {
            let result = try Scenario(name: name, worker: worker, events: events, rate: rate,
                                      tag: "\(runTag)\(suffix)", configuration: configuration).run(log: log)
            log("\(name): \(Int(result.steadyEventsPerSecond)) events/s steady, complete: \(result.complete)")
            report.scenarios.append(result)
        }

        switch mode {
        case .receiptd:
            let name = configuration.rate.map { "receiptd at \($0)/s" } ?? "receiptd max"
            try scenario(name, .receiptd, events: configuration.events, rate: configuration.rate, suffix: "r")
        case .naive:
            try scenario("naive max", .naive, events: configuration.naiveEvents, rate: nil, suffix: "n")
        case .peer:
            try scenario("python pipelined max", .peer, events: configuration.peerEvents ?? configuration.events,
                         rate: nil, suffix: "p")
        case .ceiling:
            break
        case .latency:
            try scenario("receiptd max", .receiptd, events: configuration.events, rate: nil, suffix: "r")
            let max = report.scenarios[0].steadyEventsPerSecond
            for (n, fraction) in configuration.latencyFractions.enumerated() {
                let rate = min(Swift.max(100, Int(max * fraction)), configuration.latencyRateCap ?? .max)
                let percent = Int((fraction * 100).rounded())
                try scenario("broker alone at \(percent)% of max", .brokerAlone,
                             events: rate * configuration.latencySeconds, rate: rate, suffix: "b\(n)")
                try scenario("receiptd at \(percent)% of max", .receiptd,
                             events: rate * configuration.latencySeconds, rate: rate, suffix: "l\(n)")
            }
        case .all:
            try scenario("receiptd max", .receiptd, events: configuration.events, rate: nil, suffix: "r")
            let half = min(max(100, Int(report.scenarios[0].steadyEventsPerSecond / 2)),
                           configuration.latencyRateCap ?? .max)
            try scenario("receiptd at half max", .receiptd, events: half * configuration.latencySeconds, rate: half,
                         suffix: "h")
            try scenario("naive max", .naive, events: configuration.naiveEvents, rate: nil, suffix: "n")
            try scenario("python pipelined max", .peer, events: configuration.peerEvents ?? configuration.events,
                         rate: nil, suffix: "p")
        }
        if mode == .all || mode == .ceiling {
            log("ceiling: redis-benchmark on the per-event command mix")
            var ceiling = RedisCeiling.Configuration(redisURL: configuration.redisURL)
            ceiling.requests = configuration.ceilingRequests
            report.ceiling = try RedisCeiling(configuration: ceiling).run(mix: configuration.mix)
        }

        let receiptd = report.scenarios.first { $0.worker == "receiptd" && $0.targetRate == nil }
        let naive = report.scenarios.first { $0.worker == "naive" }
        if let receiptd, let naive, naive.steadyEventsPerSecond > 0 {
            report.receiptdOverNaive = receiptd.steadyEventsPerSecond / naive.steadyEventsPerSecond
        }
        if let receiptd, let peer = report.scenarios.first(where: { $0.worker == Scenario.Worker.peer.rawValue }),
           peer.steadyEventsPerSecond > 0 {
            report.receiptdOverPeer = receiptd.steadyEventsPerSecond / peer.steadyEventsPerSecond
        }
        if let receiptd, let ceiling = report.ceiling, ceiling.impliedEventsPerSecond > 0 {
            report.receiptdOverCeiling = receiptd.steadyEventsPerSecond / ceiling.impliedEventsPerSecond
        }
        return report
    }
}
