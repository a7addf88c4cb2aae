import Foundation
import ReceiptRedis

/// A Redis Cluster of a test's own: `primaries` primaries with one replica each,
/// each node a `RedisServer` child process (no persistence), created with
/// `redis-cli --cluster create`. Tests kill, pause and reshard its nodes; everything
/// is killed when it is freed.
///
/// Ports: a `PortBlock` of its own, data ports at +41…, bus ports at +71….
public final class RedisClusterNodes: @unchecked Sendable {
    public private(set) var servers: [RedisServer] = []
    private let block: PortBlock

    /// `host:port` of every node, comma-separated: the seed list receiptd takes.
    public var seeds: String { servers.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") }

    /// Starts the nodes, creates the cluster and waits until every node says
    /// `cluster_state:ok`. Blocking: call it through `onOwnThread`.
    public init(primaries: Int = 3) throws {
        block = try PortBlock.claim()
        let base = block.base
        for index in 0..<(2 * primaries) {
            servers.append(try RedisServer(port: base + 41 + index, clusterPort: base + 71 + index))
        }
        try ShellCommand.run(
            ["/usr/bin/env", "redis-cli", "--cluster", "create"] + servers.map { "127.0.0.1:\($0.port)" }
                + ["--cluster-replicas", "1", "--cluster-yes"],
            environment: ProcessInfo.processInfo.environment)
        try waitUntilHealthy()
        try waitUntilReplicasSynced()
    }

    /// Waits until every running replica's link to its primary is up: a replica that
    /// never synced is not allowed to take over when its primary dies.
    public func waitUntilReplicasSynced(timeout: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let infos = servers.filter(\.isRunning).map { try? $0.execute(RedisCommand(["INFO", "replication"])).string }
            let replicas = infos.filter { $0?.contains("role:slave") != false }
            if replicas.count == servers.filter(\.isRunning).count / 2,
               replicas.allSatisfy({ $0?.contains("master_link_status:up") == true }) {
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestFailure("the replicas of the cluster on \(seeds) did not sync with their primaries")
    }

    deinit {
        for server in servers { server.kill() }
        block.release()
    }

    /// Waits until every running node says `cluster_state:ok` and knows the same
    /// number of nodes. Blocking.
    public func waitUntilHealthy(timeout: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let infos = servers.filter(\.isRunning).map { try? $0.execute(RedisCommand(["CLUSTER", "INFO"])).string }
            if infos.allSatisfy({ $0?.contains("cluster_state:ok") == true }) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestFailure("the cluster on \(seeds) did not reach cluster_state:ok")
    }

    /// The node that serves `slot` as primary now, from the first running node's
    /// `CLUSTER SHARDS`-independent view: `CLUSTER NODES`.
    public func primary(of slot: Int) throws -> RedisServer {
        for server in servers where server.isRunning {
            guard let text = try? server.execute(RedisCommand(["CLUSTER", "NODES"])).string else { continue }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 9, fields[2].contains("master"), !fields[2].contains("fail") else { continue }
                let port = fields[1].split(separator: "@")[0].split(separator: ":").last.flatMap { Int($0) }
                for range in fields[8...] where !range.hasPrefix("[") {
                    let bounds = range.split(separator: "-").compactMap { Int($0) }
                    if let low = bounds.first, slot >= low, slot <= (bounds.last ?? low),
                       let node = servers.first(where: { $0.port == port }) {
                        return node
                    }
                }
            }
            break
        }
        throw TestFailure("no node serves slot \(slot)")
    }
}

extension RedisClusterNodes {
    /// Moves `keys` of `slot` from its primary to another, as `redis-cli --cluster
    /// reshard` does: the target imports, the source migrates, `MIGRATE` carries the
    /// keys; with `finish`, the slot is then assigned to the target everywhere (the
    /// source answers MOVED), without it the slot stays mid-migration (ASK).
    public func migrate(slot: Int, keys: [String], finish: Bool) throws {
        let source = try primary(of: slot)
        let primaries = try servers.filter { server in
            try server.execute(RedisCommand(["ROLE"])).array?.first?.string == "master"
        }
        guard let target = primaries.first(where: { $0.port != source.port }) else {
            throw TestFailure("no other primary to move slot \(slot) to")
        }
        let sourceID = try source.execute(RedisCommand(["CLUSTER", "MYID"])).string ?? ""
        let targetID = try target.execute(RedisCommand(["CLUSTER", "MYID"])).string ?? ""
        try target.execute(RedisCommand(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID]))
        try source.execute(RedisCommand(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID]))
        try source.execute(RedisCommand(["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS"] + keys))
        guard finish else { return }
        for server in primaries {
            try server.execute(RedisCommand(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID]))
        }
    }
}

extension RedisClusterNodes {
    /// Moves `count` slots, keys and all, from the primary of `slot` to another
    /// primary with `redis-cli --cluster reshard`, as an operator does while clients
    /// run: they meet `ASK`, `TRYAGAIN` and then `MOVED`. Blocking.
    public func reshard(count: Int, from slot: Int) throws {
        let source = try primary(of: slot)
        let primaries = try servers.filter { server in
            try server.isRunning && server.execute(RedisCommand(["ROLE"])).array?.first?.string == "master"
        }
        guard let target = primaries.first(where: { $0.port != source.port }) else {
            throw TestFailure("no other primary to reshard slots to")
        }
        let sourceID = try source.execute(RedisCommand(["CLUSTER", "MYID"])).string ?? ""
        let targetID = try target.execute(RedisCommand(["CLUSTER", "MYID"])).string ?? ""
        try ShellCommand.run(
            ["/usr/bin/env", "redis-cli", "--cluster", "reshard", "127.0.0.1:\(source.port)",
             "--cluster-from", sourceID, "--cluster-to", targetID, "--cluster-slots", String(count),
             "--cluster-yes", "--cluster-pipeline", "50"],
            environment: ProcessInfo.processInfo.environment)
    }

    /// How many slots `node` serves as primary, by its own `CLUSTER NODES` line.
    public func slotCount(of node: RedisServer) throws -> Int {
        try slots(of: node).count
    }

    /// The slots `node` serves as primary, by its own `CLUSTER NODES` line.
    public func slots(of node: RedisServer) throws -> Set<Int> {
        let text = try node.execute(RedisCommand(["CLUSTER", "NODES"])).string ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.contains("myself") }) else { return [] }
        var slots: Set<Int> = []
        for range in line.split(separator: " ").dropFirst(8) where !range.hasPrefix("[") {
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            if let low = bounds.first { slots.formUnion(low...(bounds.last ?? low)) }
        }
        return slots
    }

    /// The replica of `primary`, by `CLUSTER NODES` (`slave <primary's ID>`).
    public func replica(of primary: RedisServer) throws -> RedisServer {
        let id = try primary.execute(RedisCommand(["CLUSTER", "MYID"])).string ?? ""
        let text = try primary.execute(RedisCommand(["CLUSTER", "NODES"])).string ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, fields[2].contains("slave"), fields[3] == id else { continue }
            let port = fields[1].split(separator: "@")[0].split(separator: ":").last.flatMap { Int($0) }
            if let node = servers.first(where: { $0.port == port }) { return node }
        }
        throw TestFailure("the primary on port \(primary.port) has no replica")
    }

    /// The primary of `slot` now, by node ID: what changes when the slot moves.
    public func primaryID(of slot: Int) throws -> String {
        try primary(of: slot).execute(RedisCommand(["CLUSTER", "MYID"])).string ?? ""
    }
}
