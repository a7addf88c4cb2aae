import Foundation
import ReceiptRedis

/// A redis-server of a test's own, run as a child process (no persistence), so a
/// test can pause, kill or promote exactly it: a primary and its replica for the
/// failover tests, the nodes of a cluster (`RedisClusterNodes`). Killed with the
/// test if the test forgets.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    /// The cluster bus port when the server is a cluster node.
    public let clusterPort: Int?
    private var process = Process()
    private let directory: URL
    private let arguments: [String]

    public var url: String { "redis://127.0.0.1:\(port)/0" }
    public var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

    /// Starts redis-server on `port` (a replica of `primary` when given; a cluster
    /// node with its bus on `clusterPort` when given) and waits until it answers.
    /// Blocking: call it through `onOwnThread`.
    public init(port: Int, replicaOf primary: RedisServer? = nil, clusterPort: Int? = nil) throws {
        self.port = port
        self.clusterPort = clusterPort
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("receiptd-redis-\(port)-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path]
        if let primary { arguments += ["--replicaof", "127.0.0.1", String(primary.port)] }
        if let clusterPort {
            arguments += ["--cluster-enabled", "yes", "--cluster-port", String(clusterPort),
                          "--cluster-config-file", directory.appendingPathComponent("nodes.conf").path,
                          "--cluster-node-timeout", "2000", "--repl-diskless-sync-delay", "0"]
        }
        self.arguments = arguments
        try launch()
    }

    private func launch() throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = arguments
        try process.run()
        // Generous: a loaded two-core machine running the whole suite has been seen
        // to take more than 10 s.
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? execute(RedisCommand(["PING"]))) == nil {
            guard ContinuousClock.now < deadline, process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
                let exited = process.isRunning ? "still running" : "exited with status \(process.terminationStatus)"
                throw TestFailure("redis-server on port \(port) did not start (\(exited)); its log ends: "
                    + log.split(separator: "\n").suffix(5).joined(separator: " | "))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit { kill() }

    public var isRunning: Bool { process.isRunning }

    /// One command on a fresh connection.
    @discardableResult
    public func execute(_ command: RedisCommand) throws -> RedisReply {
        try RedisConnection.connect(try RedisEndpoint(url: url), timeoutMs: 2_000).execute(command)
    }

    /// Waits until this replica's link to its primary is up and it holds the
    /// primary's data set.
    public func waitUntilInSync(timeout: Duration = .seconds(20)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let info = (try? execute(RedisCommand(["INFO", "replication"])).string) ?? ""
            if info.contains("master_link_status:up") && !info.contains("master_sync_in_progress:1") { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestFailure("the replica on port \(port) did not sync with its primary")
    }

    /// SIGSTOP: it neither answers nor replicates until `resume`.
    public func pause() { Foundation.kill(process.processIdentifier, SIGSTOP) }
    public func resume() { Foundation.kill(process.processIdentifier, SIGCONT) }

    /// Cuts this replica off its primary, as a network partition does: it keeps
    /// what it has and receives nothing more (it follows a primary that is not there).
    public func cutOff() throws { try execute(RedisCommand(["REPLICAOF", "127.0.0.1", "1"])) }

    /// Makes this replica a primary (`REPLICAOF NO ONE`), as a failover does.
    public func promote() throws { try execute(RedisCommand(["REPLICAOF", "NO", "ONE"])) }

    /// SIGKILL, as a crash of the machine it runs on; its data goes with it.
    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGKILL and start again at once on the same port, with no data (there is no
    /// persistence) but the same cluster configuration file: a cluster primary
    /// restarted faster than its replica can take over comes back as the primary
    /// of its slots, empty, and its replica then copies the emptiness. Blocking.
    public func restartEmpty() throws {
        crash()
        try launch()
    }

    /// SIGKILL, keeping the cluster configuration file, so `start` can bring the
    /// node back: after its replica took over, it rejoins as that one's replica.
    public func crash() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts a crashed server again, empty, with its cluster configuration. Blocking.
    public func start() throws {
        guard !process.isRunning else { return }
        try launch()
    }

    private static func executable() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestFailure("redis-server is not on the PATH; run scripts/setup.sh")
    }
}
