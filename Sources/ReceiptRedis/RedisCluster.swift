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
    /// Connections for redirected commands, apart from `connections`, on which later
    /// pipelines may still be unread.
    private var redirectConnections: [String: RedisConnection] = [:]
    private var refreshedAt: ContinuousClock.Instant?
    private var needsRefresh = true

    /// Runs on every new node connection, after the scripts are loaded and before
    /// anything else is sent on it (`RedisClient`'s checks of each server).
    private let prepare: (RedisConnection) throws(RedisError) -> Void

    public init(configuration: Configuration,
                prepare: @escaping (RedisConnection) throws(RedisError) -> Void = { _ in }) {
        precondition(!configuration.seeds.isEmpty, "a cluster needs at least one seed node")
        self.configuration = configuration
        self.prepare = prepare
    }

    /// Runs `commands` across the cluster; one result per command, in order. Throws
    /// when a node's connection failed (retriable) or no node gave a slot map.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try receive(send(commands))
    }

    /// Commands written to their nodes whose replies are not read yet.
    public struct PendingReplies {
        fileprivate let commands: [RedisCommand]
        fileprivate let targets: [Target?]
        fileprivate let trailer: RedisCommand?
        fileprivate let sent: [SentShare]
    }

    fileprivate struct SentShare {
        let indices: [Int]
        let asking: Bool
        /// The trailer follows the share's commands.
        let trailed: Bool
        let connection: RedisConnection
        let replies: RedisConnection.PendingReplies
    }

    /// Writes every node's share of `commands` without waiting for replies. More
    /// pipelines may be sent before `receive`; their replies must be collected in the
    /// order they were sent (as on one `RedisConnection`).
    ///
    /// `trailer` (a `WAIT`) ends every share sent, redirected shares included, so it
    /// runs once on each connection after everything this pipeline wrote there.
    public func send(_ commands: [RedisCommand], trailer: RedisCommand? = nil) throws(RedisError) -> PendingReplies {
        try refreshIfDue()
        let targets = route(commands)
        let sent = try send(Array(commands.indices), of: commands, at: targets, trailer: trailer, on: .main)
        return PendingReplies(commands: commands, targets: targets, trailer: trailer, sent: sent)
    }

    /// The replies to what `send` wrote, in command order. Redirected commands are
    /// sent again and collected here, on connections of their own (the pipelines sent
    /// after this one are still unread on the usual ones).
    public func receive(_ pending: PendingReplies) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try receiveTrailed(pending).replies
    }

    /// `receive`, and the trailer's reply from every share that carried it (one per
    /// connection written to), in no particular order.
    public func receiveTrailed(_ pending: PendingReplies) throws(RedisError)
        -> (replies: [Result<RedisReply, RedisError>], trailers: [Result<RedisReply, RedisError>]) {
        let commands = pending.commands
        var targets = pending.targets
        var results = [Result<RedisReply, RedisError>?](repeating: nil, count: commands.count)
        var trailers: [Result<RedisReply, RedisError>] = []
        var received = try collect(pending.sent, trailers: &trailers)
        for hop in 0...configuration.maxRedirections {
            var redirected: [Int] = []
            for (index, result) in received {
                results[index] = result
                guard hop < configuration.maxRedirections, case .failure(let error) = result,
                      let redirection = Redirection(error) else { continue }
                targets[index] = Target(node: redirection.node, asking: redirection.isAsk)
                if !redirection.isAsk {
                    topology.move(redirection.slot, to: redirection.node)
                    needsRefresh = true
                }
                redirected.append(index)
            }
            guard !redirected.isEmpty else { break }
            received = try collect(send(redirected, of: commands, at: targets, trailer: pending.trailer, on: .redirect),
                                   trailers: &trailers)
        }
        let replies = commands.indices.map { index in
            if let result = results[index] { return result }
            needsRefresh = true
            return Result<RedisReply, RedisError>.failure(
                RedisError(.serverBusy, context: commands[index].name, detail: "CLUSTERDOWN no primary serves the slot"))
        }
        return (replies, trailers)
    }

    /// Gives up every node connection on purpose, with the replies still in flight
    /// on them (see `RedisConnection.abandon`); the next call connects afresh.
    public func abandon(_ reason: String) {
        for connection in connections.values { connection.abandon(reason) }
        connections = [:]
        redirectConnections = [:]
    }

    /// Asks for the slot map now: of the known primaries, then of the seeds.
    public func refresh() throws(RedisError) {
        var lastError = RedisError(.connectionFailed, context: "CLUSTER SHARDS", detail: "no node answered")
        let known = topology.primaries.map { RedisEndpoint(host: $0.host, port: $0.port, password: password) }
        for endpoint in known + configuration.seeds {
            do {
                let reply = try connection(to: endpoint, in: .redirect)
                    .execute(RedisCommand(["CLUSTER", "SHARDS"]))
                let fresh = try RedisClusterTopology(shards: reply)
                guard fresh.coveredSlots > 0 else { continue }
                topology = fresh
                refreshedAt = .now
                needsRefresh = false
                return
            } catch {
                redirectConnections[Self.name(endpoint)] = nil
                lastError = error
            }
        }
        throw lastError
    }

    /// Loads `script` on every primary.
    public func load(_ script: RedisScript) throws(RedisError) {
        try refreshIfDue()
        for node in topology.primaries { try connection(to: endpoint(node), in: .redirect).load(script) }
    }

    // MARK: routing

    fileprivate struct Target: Hashable {
        var node: RedisClusterTopology.Node
        var asking = false
    }

    private var firstPrimary: Target? { topology.primaries.first.map { Target(node: $0) } }

    /// Each command's node: a keyed command goes to its slot's primary (nil when
    /// none serves it); `MULTI` goes with the command after it, any other command
    /// without a key with the command before it; else to the first primary.
    private func route(_ commands: [RedisCommand]) -> [Target?] {
        let slots = commands.map(\.slot)
        var targets = slots.map { slot in slot.flatMap { topology.primary(of: $0) }.map { Target(node: $0) } }
        var previous: Target?
        for index in commands.indices {
            if slots[index] != nil {
                previous = targets[index]
            } else if commands[index].name.uppercased() == "MULTI",
                      let next = slots[(index + 1)...].firstIndex(where: { $0 != nil }) {
                targets[index] = targets[next]
            } else {
                targets[index] = previous ?? firstPrimary
            }
        }
        return targets
    }

    /// Writes each listed command to its target, one pipeline per node (with
    /// `ASKING` before each command of an ASK redirection), every node's before any
    /// reply is read.
    private func send(_ indices: [Int], of commands: [RedisCommand], at targets: [Target?],
                      trailer: RedisCommand?, on pool: Pool) throws(RedisError) -> [SentShare] {
        var groups: [Target: [Int]] = [:]
        var order: [Target] = []
        for index in indices {
            guard let target = targets[index] else { continue }
            if groups[target] == nil { order.append(target) }
            groups[target, default: []].append(index)
        }
        var sent: [SentShare] = []
        for target in order {
            let share = groups[target]!
            var batch: [RedisCommand] = []
            for index in share {
                if target.asking { batch.append(RedisCommand(["ASKING"])) }
                batch.append(commands[index])
            }
            if let trailer { batch.append(trailer) }
            let endpoint = endpoint(target.node)
            do {
                let connection = try connection(to: endpoint, in: pool)
                sent.append(SentShare(indices: share, asking: target.asking, trailed: trailer != nil,
                                      connection: connection, replies: try connection.send(batch)))
            } catch {
                forget(endpoint, in: pool)
                // The shares already sent will never be read: their connections go too.
                discard(sent[...], "a pipeline to another node failed")
                needsRefresh = true
                throw error
            }
        }
        return sent
    }

    /// The replies of each share, as (command index, result) pairs; the trailers'
    /// replies go to `trailers`.
    private func collect(_ sent: [SentShare], trailers: inout [Result<RedisReply, RedisError>]) throws(RedisError)
        -> [(Int, Result<RedisReply, RedisError>)] {
        var results: [(Int, Result<RedisReply, RedisError>)] = []
        for (position, share) in sent.enumerated() {
            var received: [Result<RedisReply, RedisError>]
            do {
                received = try share.connection.receive(share.replies)
            } catch {
                // This share's connection broke, and the shares after it will never be
                // read: every one of those connections goes.
                discard(sent[position...], "a pipeline to another node failed")
                needsRefresh = true
                throw error
            }
            if share.trailed, let last = received.popLast() { trailers.append(last) }
            // With ASKING first, every other reply is ASKING's OK.
            let answers = share.asking ? stride(from: 1, to: received.count, by: 2).map { received[$0] } : received
            results += zip(share.indices, answers).map { ($0, $1) }
        }
        return results
    }

    // MARK: connections

    /// Which connections a pipeline uses: the usual ones, or those for redirected
    /// commands and single calls (`refresh`, `load`), never with replies unread.
    private enum Pool { case main, redirect }

    private func forget(_ endpoint: RedisEndpoint, in pool: Pool) {
        if pool == .main { connections[Self.name(endpoint)] = nil } else { redirectConnections[Self.name(endpoint)] = nil }
    }

    /// Gives up the connections of shares whose replies will not be read: a later
    /// pipeline on them would read these replies as its own.
    private func discard(_ shares: ArraySlice<SentShare>, _ reason: String) {
        for share in shares {
            share.connection.abandon(reason)
            connections = connections.filter { $0.value !== share.connection }
            redirectConnections = redirectConnections.filter { $0.value !== share.connection }
        }
    }

    private var password: String? { configuration.seeds.first?.password }

    private func endpoint(_ node: RedisClusterTopology.Node) -> RedisEndpoint {
        RedisEndpoint(host: node.host, port: node.port, password: password)
    }

    private static func name(_ endpoint: RedisEndpoint) -> String { "\(endpoint.host):\(endpoint.port)" }

    /// The pool's live connection to `endpoint`, made (and its scripts loaded) when
    /// there is none.
    private func connection(to endpoint: RedisEndpoint, in pool: Pool) throws(RedisError) -> RedisConnection {
        let name = Self.name(endpoint)
        if let live = pool == .main ? connections[name] : redirectConnections[name], !live.isBroken { return live }
        let connection = try RedisConnection.connect(endpoint, timeoutMs: configuration.timeoutMs)
        for script in configuration.scripts { try connection.load(script) }
        try prepare(connection)
        if pool == .main { connections[name] = connection } else { redirectConnections[name] = connection }
        return connection
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
