/// A Redis Cluster used as one pipeline: each command goes to the primary that
/// serves its key's slot, every node's share is written before any reply is read,
/// and the replies come back in command order.
///
/// - The slot map comes from `CLUSTER SHARDS`, asked of the seeds and then of the
///   known primaries; it is refreshed after a MOVED, a lost connection, and when
///   `refreshIntervalMs` has passed.
/// - `MOVED` sends the command to the node it names (and notes the move); `ASK`
///   sends it there once, after `ASKING`. At most `maxRedirections` hops a command.
/// - `TRYAGAIN`, `CLUSTERDOWN`, `LOADING` come back as retriable failures
///   (`serverBusy`), for the caller's backoff; `CROSSSLOT` as the permanent error it
///   is: a caller that sends one has a bug.
/// - A command without a key (`WAIT`, an `EVALSHA` with no keys) goes to the node of
///   the command before it, or to the first primary.
///
/// Order: commands of one slot reach their node in command order (a redirection
/// moves all of them, since they share the slot); commands of different slots may
/// run in any order relative to each other.
///
/// Not thread-safe: one owner thread, like `RedisConnection`. A connection that
/// broke is dropped and the pipeline throws; every command receiptd sends is safe
/// to repeat, and the next call connects afresh.
public final class RedisCluster {
    public struct Configuration: Sendable {
        /// Nodes to ask for the slot map first; any node of the cluster will do.
        public var seeds: [RedisEndpoint]
        /// Connect and read timeout per node. Default: 5 s.
        public var timeoutMs: Int = 5_000
        /// Hops one command may take. Default: 5.
        public var maxRedirections: Int = 5
        /// The slot map is asked again after this long. Default: 10 s.
        public var refreshIntervalMs: Int = 10_000
        /// Scripts loaded on every node a connection is made to: the script cache is
        /// not replicated, so a promoted replica has none of them.
        public var scripts: [RedisScript] = []

        public init(seeds: [RedisEndpoint]) { self.seeds = seeds }
    }

    public let configuration: Configuration
    public private(set) var topology = RedisClusterTopology()
    private var connections: [String: RedisConnection] = [:]
    private var refreshedAt: ContinuousClock.Instant?
    private var needsRefresh = true

    public init(configuration: Configuration) {
        precondition(!configuration.seeds.isEmpty, "a cluster needs at least one seed node")
        self.configuration = configuration
    }

    /// Runs `commands` across the cluster; one result per command, in order. Throws
    /// when a node's connection failed (retriable) or no node gave a slot map.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try refreshIfDue()
        var results = [Result<RedisReply, RedisError>?](repeating: nil, count: commands.count)
        var targets: [Target?] = []
        targets.reserveCapacity(commands.count)
        var previous: Target?
        for command in commands {
            let target: Target? = if let slot = command.slot {
                topology.primary(of: slot).map { Target(node: $0) }
            } else {
                previous ?? firstPrimary
            }
            targets.append(target)
            if let target { previous = target }
        }
        var pending = Array(commands.indices)
        for _ in 0...configuration.maxRedirections {
            var redirected: [Int] = []
            for (index, result) in try run(pending, of: commands, at: targets) {
                guard case .failure(let error) = result, let redirection = Redirection(error) else {
                    results[index] = result
                    continue
                }
                results[index] = result
                targets[index] = Target(node: redirection.node, asking: redirection.isAsk)
                if !redirection.isAsk {
                    topology.move(redirection.slot, to: redirection.node)
                    needsRefresh = true
                }
                redirected.append(index)
            }
            guard !redirected.isEmpty else { break }
            pending = redirected
        }
        for index in commands.indices where targets[index] == nil && results[index] == nil {
            needsRefresh = true
            results[index] = .failure(RedisError(.serverBusy, context: commands[index].name,
                                                 detail: "CLUSTERDOWN no primary serves the slot"))
        }
        return results.map { $0! }
    }

    /// Asks for the slot map now: of the known primaries, then of the seeds.
    public func refresh() throws(RedisError) {
        var lastError = RedisError(.connectionFailed, context: "CLUSTER SHARDS", detail: "no node answered")
        let known = topology.primaries.map { RedisEndpoint(host: $0.host, port: $0.port, password: password) }
        for endpoint in known + configuration.seeds {
            do {
                let reply = try connection(to: endpoint).execute(RedisCommand(["CLUSTER", "SHARDS"]))
                let fresh = try RedisClusterTopology(shards: reply)
                guard fresh.coveredSlots > 0 else { continue }
                topology = fresh
                refreshedAt = .now
                needsRefresh = false
                return
            } catch {
                drop(endpoint)
                lastError = error
            }
        }
        throw lastError
    }

    /// Loads `script` on every primary.
    public func load(_ script: RedisScript) throws(RedisError) {
        try refreshIfDue()
        for node in topology.primaries { try connection(to: endpoint(node)).load(script) }
    }

    // MARK: routing

    private struct Target: Hashable {
        var node: RedisClusterTopology.Node
        var asking = false
    }

    private var firstPrimary: Target? { topology.primaries.first.map { Target(node: $0) } }

    /// Sends each pending command to its target, every node's share before any
    /// reply is read; returns (command index, result) pairs.
    private func run(_ pending: [Int], of commands: [RedisCommand], at targets: [Target?])
        throws(RedisError) -> [(Int, Result<RedisReply, RedisError>)] {
        var groups: [Target: [Int]] = [:]
        var order: [Target] = []
        for index in pending {
            guard let target = targets[index] else { continue }
            if groups[target] == nil { order.append(target) }
            groups[target, default: []].append(index)
        }
        var sent: [(Target, [Int], RedisConnection, RedisConnection.PendingReplies)] = []
        for target in order {
            let indices = groups[target]!
            var batch: [RedisCommand] = []
            for index in indices {
                if target.asking { batch.append(RedisCommand(["ASKING"])) }
                batch.append(commands[index])
            }
            let endpoint = endpoint(target.node)
            do {
                let connection = try connection(to: endpoint)
                sent.append((target, indices, connection, try connection.send(batch)))
            } catch {
                drop(endpoint)
                needsRefresh = true
                throw error
            }
        }
        var results: [(Int, Result<RedisReply, RedisError>)] = []
        for (target, indices, connection, replies) in sent {
            let received: [Result<RedisReply, RedisError>]
            do {
                received = try connection.receive(replies)
            } catch {
                drop(endpoint(target.node))
                needsRefresh = true
                throw error
            }
            // With ASKING first, every other reply is ASKING's OK.
            let answers = target.asking ? stride(from: 1, to: received.count, by: 2).map { received[$0] } : received
            results += zip(indices, answers).map { ($0, $1) }
        }
        return results
    }

    // MARK: connections

    private var password: String? { configuration.seeds.first?.password }

    private func endpoint(_ node: RedisClusterTopology.Node) -> RedisEndpoint {
        RedisEndpoint(host: node.host, port: node.port, password: password)
    }

    private func connection(to endpoint: RedisEndpoint) throws(RedisError) -> RedisConnection {
        let name = "\(endpoint.host):\(endpoint.port)"
        if let live = connections[name], !live.isBroken { return live }
        let connection = try RedisConnection.connect(endpoint, timeoutMs: configuration.timeoutMs)
        for script in configuration.scripts { try connection.load(script) }
        connections[name] = connection
        return connection
    }

    private func drop(_ endpoint: RedisEndpoint) {
        connections["\(endpoint.host):\(endpoint.port)"] = nil
    }

    private func refreshIfDue() throws(RedisError) {
        let interval = Duration.milliseconds(configuration.refreshIntervalMs)
        if needsRefresh || refreshedAt.map({ ContinuousClock.now - $0 > interval }) ?? true { try refresh() }
    }
}

/// A MOVED or ASK error reply: `MOVED <slot> <host>:<port>`.
private struct Redirection {
    let slot: Int
    let node: RedisClusterTopology.Node
    let isAsk: Bool

    init?(_ error: RedisError) {
        guard error.code == .errorReply, let detail = error.detail else { return nil }
        let words = detail.split(separator: " ")
        guard words.count == 3, words[0] == "MOVED" || words[0] == "ASK", let slot = Int(words[1]),
              let colon = words[2].lastIndex(of: ":"), let port = Int(words[2][words[2].index(after: colon)...]) else {
            return nil
        }
        self.slot = slot
        isAsk = words[0] == "ASK"
        node = RedisClusterTopology.Node(id: "", host: String(words[2][..<colon]), port: port)
    }
}
