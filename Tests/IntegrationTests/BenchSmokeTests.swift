import Foundation
import Testing
import TestSupport

/// A smoke run of the end-to-end benchmark (`receiptd-bench run --smoke`) against the
/// test stack: the built `receiptd-bench` starts the built `receiptd` as a separate
/// process, drives it, the naive worker and redis-benchmark, and writes its report.
/// The benchmark proper is not part of `swift test`; this checks that it works and
/// that its numbers are sane, not how fast anything is.
@Suite("Benchmark smoke run")
struct BenchSmokeTests {
    @Test("a small bench run measures receiptd, the naive worker, the Python peer and the ceiling; every event that changes the state is notified, and receiptd announces no repeat")
    func smokeRun() async throws {
        let brokers = try TestStack.brokers()
        let redisURL = try TestStack.redisURL()
        // In the cluster pass receiptd runs on the cluster; the naive worker and the
        // ceiling keep the single Redis.
        let nodes = try TestStack.redisClusterNodes()
        let clusterNodes = nodes.isEmpty ? [] : [nodes.map { "\($0.host):\($0.port)" }.joined(separator: ",")]
        let postgresURL = try TestStack.postgresURL()
        let directory = try BuiltProducts.directory(containing: ["receiptd-bench", "receiptd"])
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("bench-smoke-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: json) }

        let process = Process()
        process.executableURL = directory.appendingPathComponent("receiptd-bench")
        process.arguments = ["run", "--smoke", "--json", json.path, "--brokers", brokers,
                             "--redis-url", redisURL, "--postgres-url", postgresURL]
            + clusterNodes.map { "RECEIPTD_REDIS_CLUSTER_NODES=\($0)" }.flatMap { ["--worker-env", $0] }
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        // On a thread of its own: the run takes minutes, and a cooperative thread
        // blocked that long starves every other test of half the pool.
        try await onOwnThread {
            try process.run()
            process.waitUntilExit()
        }
        #expect(process.terminationStatus == 0, "receiptd-bench run --smoke failed")

        let report = try JSONDecoder().decode(SmokeReport.self, from: Data(contentsOf: json))
        #expect(report.scenarios.map(\.name)
                == ["receiptd max", "receiptd at half max", "naive max", "python pipelined max"])
        #expect(report.lingerMs == 20, "the report records the producers' linger.ms")
        for scenario in report.scenarios {
            #expect(scenario.complete, "\(scenario.name): not every event was applied")
            #expect(scenario.eventsDone == scenario.events, "\(scenario.name)")
            #expect(scenario.quietEvents > 0, "\(scenario.name): the smoke mix repeats reads (duplicates)")
            if scenario.worker != "naive" {
                #expect(scenario.quietEventsNotified == 0, "\(scenario.name): a repeat was announced")
                #expect(scenario.eventsWithOutput == scenario.events - scenario.quietEvents, "\(scenario.name)")
            } else {
                #expect(scenario.eventsWithOutput == scenario.events, "\(scenario.name): the naive worker announces all")
            }
            #expect(scenario.validEventsWithoutNotification == 0, "\(scenario.name): valid events without notification")
            #expect(scenario.foreignOutputs == 0, "\(scenario.name)")
            #expect(scenario.produceFailures == 0, "\(scenario.name)")
            #expect(scenario.steadyEventsPerSecond > 0 && scenario.eventsPerSecond > 0, "\(scenario.name)")
            #expect((scenario.cpuSecondsPerMillionEvents ?? 0) > 0, "\(scenario.name): no CPU measured")
            #expect((scenario.peakRSSMiB ?? 0) > 1, "\(scenario.name): no RSS measured")
            let invalid = scenario.kinds["invalid"]
            #expect(invalid != nil && invalid!.produced > 0 && invalid!.deadLettered == invalid!.produced,
                    "\(scenario.name): every invalid record is dead-lettered")
        }
        let halfRate = try #require(report.scenarios.first { $0.targetRate != nil })
        let latency = try #require(halfRate.latencyMs, "the fixed-rate run reports latency")
        #expect(latency.p50 > 0 && latency.p99 >= latency.p50 && latency.p999 >= latency.p99)
        #expect(halfRate.checkpointAgeSeconds != nil, "checkpoint age is sampled while receiptd runs")
        #expect((report.ceiling?.impliedEventsPerSecond ?? 0) > 0)
        #expect((report.receiptdOverNaive ?? 0) > 0 && (report.receiptdOverCeiling ?? 0) > 0)
        #expect((report.receiptdOverPeer ?? 0) > 0)
    }
}

/// The part of receiptd-bench's JSON report the smoke test checks.
private struct SmokeReport: Decodable {
    struct Scenario: Decodable {
        struct Kind: Decodable { var produced: Int; var notified: Int; var deadLettered: Int }
        struct Latency: Decodable { var p50: Double; var p99: Double; var p999: Double }
        struct Summary: Decodable { var max: Double }
        var name: String
        var worker: String
        var events: Int
        var targetRate: Int?
        var eventsWithOutput: Int
        var eventsDone: Int
        var quietEvents: Int
        var quietEventsNotified: Int
        var validEventsWithoutNotification: Int
        var foreignOutputs: Int
        var produceFailures: Int
        var steadyEventsPerSecond: Double
        var eventsPerSecond: Double
        var cpuSecondsPerMillionEvents: Double?
        var peakRSSMiB: Double?
        var latencyMs: Latency?
        var checkpointAgeSeconds: Summary?
        var kinds: [String: Kind]
        var complete: Bool
    }
    struct Ceiling: Decodable { var impliedEventsPerSecond: Double }
    var lingerMs: Int
    var scenarios: [Scenario]
    var ceiling: Ceiling?
    var receiptdOverNaive: Double?
    var receiptdOverPeer: Double?
    var receiptdOverCeiling: Double?
}

/// Where `swift build` put the executables: next to the test binary.
private enum BuiltProducts {
    static func directory(containing names: [String]) throws -> URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var candidate = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            if names.allSatisfy({ FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent($0).path) }) {
                return candidate
            }
            candidate = candidate.deletingLastPathComponent()
        }
        throw MissingProducts(names: names, near: testBinary.path)
    }

    struct MissingProducts: Error, CustomStringConvertible {
        let names: [String]
        let near: String
        var description: String { "\(names) not found near \(near): build them first (swift build, or swift build --build-tests)" }
    }
}
