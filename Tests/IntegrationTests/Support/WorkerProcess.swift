import Foundation
import TestSupport

/// The real `receiptd run` binary in a process of its own, so a test can kill it
/// with SIGKILL at any moment, as a crash would, and read its memory use.
final class WorkerProcess: @unchecked Sendable {
    private let process: Process
    let logFile: URL

    /// The debug binary `swift build` produced next to the test bundle.
    static var binary: URL {
        get throws {
            let url = ProtoJSON.root.deletingLastPathComponent().appendingPathComponent(".build/debug/receiptd")
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw TestFailure("\(url.path) is missing: run swift build --build-tests first")
            }
            return url
        }
    }

    /// Starts a worker for `topics` in `group`, against the given Redis and PostgreSQL.
    init(topics: TestTopics, group: String, redisURL: String, postgresURL: String,
         extraEnvironment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = try Self.binary
        process.arguments = ["run", "--migrate", "--http-port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "RECEIPTD_BROKERS": topics.brokers, "RECEIPTD_GROUP": group,
            "RECEIPTD_EVENTS_TOPIC": topics.events, "RECEIPTD_NOTIFY_TOPIC": topics.notify,
            "RECEIPTD_DLQ_TOPIC": topics.deadLetters, "RECEIPTD_REDIS_URL": redisURL,
            "RECEIPTD_POSTGRES_URL": postgresURL, "RECEIPTD_FLUSH_INTERVAL_MS": "200",
            "RECEIPTD_KAFKA_SESSION_TIMEOUT_MS": "6000", "RECEIPTD_KAFKA_MAX_POLL_INTERVAL_MS": "10000",
            "RECEIPTD_LOG_LEVEL": "info",
            // Notification conversations read message-level, as `ReferenceModel` expects.
            "RECEIPTD_EXACT_READ_SESSION_TYPES": String(ReferenceModel.exactSessionType),
        ]) { _, new in new }
        let clusterNodes = redisURL == (try? TestStack.redisURL()) ? try TestStack.redisClusterNodes() : []
        if !clusterNodes.isEmpty {
            environment["RECEIPTD_REDIS_CLUSTER_NODES"] = clusterNodes.map { "\($0.host):\($0.port)" }.joined(separator: ",")
        }
        environment.merge(extraEnvironment) { _, new in new }
        process.environment = environment
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(group)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// A worker a failed test left running is killed with it.
    deinit {
        if process.isRunning { crash() }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Kills the process the way a crash does: no flush, no checkpoint, no goodbye.
    func crash() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for a clean exit; returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Resident memory now, in bytes (VmRSS), or nil once the process is gone.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
    }

    /// Waits until the worker owns partitions (its log says so).
    func waitUntilAssigned(timeout: Duration = .seconds(90)) async throws {
        let file = logFile
        try await waitUntil("the worker to be assigned partitions", timeout: timeout) {
            ((try? String(contentsOf: file, encoding: .utf8)) ?? "").contains("partitions assigned")
        }
    }

    /// The tail of the worker's log, for failure messages.
    var logTail: String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }
}
