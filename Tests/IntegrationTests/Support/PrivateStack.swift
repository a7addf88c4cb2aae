import Foundation
import TestSupport

/// A stack of its own (Tansu, redis-server, PostgreSQL) started with the project's
/// `scripts/stack.sh`, for tests that restart or wipe a service and must not
/// disturb the tests sharing the main test stack.
final class PrivateStack: @unchecked Sendable {
    let directory: String
    let kafkaPort: Int
    let redisPort: Int
    let postgresPort: Int

    var brokers: String { "127.0.0.1:\(kafkaPort)" }
    var redisURL: String { "redis://127.0.0.1:\(redisPort)/0" }
    var postgresURL: String { "postgresql://receiptd@127.0.0.1:\(postgresPort)/receiptd" }

    /// Starts the stack on free ports and waits until every service is ready.
    /// Blocking: call it through `onOwnThread`.
    init() throws {
        // Below 32768, where Linux's range of local ports for client sockets begins: a
        // restarted service cannot bind a port some client connection happens to hold.
        // The directory is claimed first (mkdir fails when it exists), so two stacks
        // started at once never share ports or a directory.
        var base = 0, directory = ""
        for _ in 0..<50 {
            base = Int.random(in: 110...320) * 100
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("receiptd-private-\(base)").path
            if (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)) != nil {
                break
            }
        }
        self.directory = directory
        kafkaPort = base + 11
        redisPort = base + 12
        postgresPort = base + 13
        try run("start")
    }

    /// Restarts redis-server without persistence: Redis comes back empty.
    func restartRedis() throws { try run("redis-restart") }
    /// Stops PostgreSQL (fast shutdown) and starts it again on the same data.
    func restartPostgres() throws { try run("postgres-restart") }

    func stop() {
        try? run("destroy")
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func run(_ command: String) throws {
        let script = ProtoJSON.root.deletingLastPathComponent().appendingPathComponent("scripts/stack.sh").path
        let environment = ProcessInfo.processInfo.environment.merging([
            "RECEIPTD_STACK_DIR": directory,
            "RECEIPTD_STACK_KAFKA_PORT": String(kafkaPort),
            "RECEIPTD_STACK_REDIS_PORT": String(redisPort),
            "RECEIPTD_STACK_POSTGRES_PORT": String(postgresPort),
        ]) { _, new in new }
        try ShellCommand.run(["/bin/bash", script, command], environment: environment)
    }
}

/// A test set-up step that could not be done; the test fails with this message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
