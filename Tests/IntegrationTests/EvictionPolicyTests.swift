import Foundation
import Testing
import TestSupport

/// Redis must not evict receiptd's keys: a Redis whose maxmemory-policy can evict is
/// refused at start (exit 2, one line) unless an operator allows it.
@Suite("Redis eviction policy", .serialized)
struct EvictionPolicyTests {
    /// A redis-server of this test's own, with an evicting policy, on a free port.
    final class EvictingRedis: @unchecked Sendable {
        let process = Process()
        let port = Int.random(in: 20_000...29_000)
        var url: String { "redis://127.0.0.1:\(port)/0" }

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]
            // Neither output goes to the test's: a child holding swift test's pipes
            // open keeps it waiting after the tests end.
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let ping = try ShellCommand.outcome(["/usr/bin/redis-cli", "-p", String(port), "PING"], environment: [:])
                if ping.standardOutput.contains("PONG") { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            process.terminate()
            throw TestFailure("the evicting redis-server did not answer on \(port)")
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    func run(redisURL: String, extra: [String]) throws -> ShellCommand.Outcome {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RECEIPTD_") }
        environment["RECEIPTD_KAFKA_SESSION_TIMEOUT_MS"] = "6000"
        return try ShellCommand.outcome(
            ["/usr/bin/timeout", "--foreground", "--preserve-status", "-s", "TERM", "20", try WorkerProcess.binary.path, "run",
             "--brokers", try TestStack.brokers(), "--postgres-url", try TestStack.postgresURL(), "--migrate",
             "--redis-url", redisURL, "--http-port", "0", "--group", TestStack.uniqueName("evict"),
             "--events-topic", TestStack.uniqueName("evict-events")] + extra,
            environment: environment)
    }

    @Test("a Redis that can evict is refused at start: exit 2 and one line naming the policy")
    func evictingRedisIsRefused() async throws {
        let redis = try await onOwnThread { try EvictingRedis() }
        defer { redis.stop() }
        let outcome = try await onOwnThread { [redis] in try run(redisURL: redis.url, extra: []) }
        #expect(outcome.status == 2, "stderr: \(outcome.standardError.suffix(2_000))")
        let line = outcome.standardError.split(separator: "\n").last { $0.hasPrefix("receiptd: error: ") }
        #expect(line?.contains("maxmemory-policy is allkeys-lru") == true, "stderr: \(outcome.standardError.suffix(2_000))")
    }

    @Test("an operator's --allow-evicting-redis runs the worker all the same, with a warning")
    func operatorMayAllowIt() async throws {
        let redis = try await onOwnThread { try EvictingRedis() }
        defer { redis.stop() }
        let outcome = try await onOwnThread { [redis] in try run(redisURL: redis.url, extra: ["--allow-evicting-redis"]) }
        // It runs until `timeout` stops it with SIGTERM, and then stops cleanly.
        #expect(outcome.status == 0, "stderr: \(outcome.standardError.suffix(2_000))")
        #expect(outcome.standardError.contains("allowed by --allow-evicting-redis"))
    }
}
