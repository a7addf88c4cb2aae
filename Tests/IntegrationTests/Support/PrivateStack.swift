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
        // The block's directory is the stack's: two stacks never share ports or files.
        let block = try PortBlock.claim()
        let base = block.base
        directory = block.directory
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

