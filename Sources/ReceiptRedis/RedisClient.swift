/// Redis as receiptd uses it: one server, or a cluster whose commands are routed by
/// slot (`RedisCluster`), behind one pipeline interface. A connection that broke is
/// dropped and the next call connects afresh; `prepare` runs on every new connection
/// (of the server, or of each node), before anything else is sent on it.
///
/// Not thread-safe: one owner thread, like the connections it holds.
public final class RedisClient {
    /// Where Redis is.
    public enum Deployment: Sendable, Equatable {
        case single(RedisEndpoint)
        /// Seed nodes of a cluster; their password applies to every node.
        case cluster(seeds: [RedisEndpoint])
    }

    /// Replies still to be collected: what `send` returns and `receive` takes.
    public enum PendingReplies {
        /// `trailed`: the last reply is the trailer's.
        case single(RedisConnection, RedisConnection.PendingReplies, trailed: Bool)
        case cluster(RedisCluster.PendingReplies)
    }

    public let deployment: Deployment
    private let timeoutMs: Int
    private let prepare: (RedisConnection) throws(RedisError) -> Void
    private var connection: RedisConnection?
    private let cluster: RedisCluster?

    public init(_ deployment: Deployment, timeoutMs: Int,
                prepare: @escaping (RedisConnection) throws(RedisError) -> Void = { _ in }) {
        self.deployment = deployment
        self.timeoutMs = timeoutMs
        self.prepare = prepare
        if case .cluster(let seeds) = deployment {
            var configuration = RedisCluster.Configuration(seeds: seeds)
            configuration.timeoutMs = timeoutMs
            cluster = RedisCluster(configuration: configuration, prepare: prepare)
        } else {
            cluster = nil
        }
    }

    public var isCluster: Bool { cluster != nil }

    /// Writes `commands` without waiting for replies (see `RedisConnection.send`).
    ///
    /// `trailer` (a `WAIT`) follows them on every connection they are written to:
    /// once on a single Redis, on each node's share (and each redirected share) of a
    /// cluster; `receiveTrailed` gives its replies.
    public func send(_ commands: [RedisCommand], trailer: RedisCommand? = nil) throws(RedisError) -> PendingReplies {
        if let cluster { return .cluster(try cluster.send(commands, trailer: trailer)) }
        let live = try liveConnection()
        do {
            return .single(live, try live.send(trailer.map { commands + [$0] } ?? commands), trailed: trailer != nil)
        } catch {
            dropIfBroken(live)
            throw error
        }
    }

    /// The replies to what `send` wrote, one per command, in order.
    public func receive(_ pending: PendingReplies) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try receiveTrailed(pending).replies
    }

    /// `receive`, and the replies of the trailer, one per connection it ran on.
    public func receiveTrailed(_ pending: PendingReplies) throws(RedisError)
        -> (replies: [Result<RedisReply, RedisError>], trailers: [Result<RedisReply, RedisError>]) {
        switch pending {
        case .cluster(let replies):
            return try cluster!.receiveTrailed(replies)
        case .single(let connection, let replies, let trailed):
            do {
                var received = try connection.receive(replies)
                let trailers = trailed ? received.popLast().map { [$0] } ?? [] : []
                return (received, trailers)
            } catch {
                dropIfBroken(connection)
                throw error
            }
        }
    }

    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try receive(send(commands))
    }

    /// Loads `script` on the server, or on every primary of the cluster.
    public func load(_ script: RedisScript) throws(RedisError) {
        if let cluster { return try cluster.load(script) }
        let live = try liveConnection()
        do {
            try live.load(script)
        } catch {
            dropIfBroken(live)
            throw error
        }
    }

    /// On a cluster, every slot served by the primary that serves `slot`, from a
    /// freshly asked slot map; nil on a single Redis, or when no map is to be had or
    /// no primary serves the slot.
    public func slotsSharingNode(with slot: Int) -> [Int]? {
        guard let cluster else { return nil }
        guard (try? cluster.refresh()) != nil else { return nil }
        return cluster.topology.slots(sharingPrimaryWith: slot)
    }

    /// Gives up every connection, and the replies still in flight on them
    /// (collecting them throws); the next call connects afresh.
    public func abandon(_ reason: String) {
        if let cluster { return cluster.abandon(reason) }
        connection?.abandon(reason)
        connection = nil
    }

    private func liveConnection() throws(RedisError) -> RedisConnection {
        if let connection, !connection.isBroken { return connection }
        guard case .single(let endpoint) = deployment else { preconditionFailure("a cluster has no one connection") }
        connection = nil
        let fresh = try RedisConnection.connect(endpoint, timeoutMs: timeoutMs)
        try prepare(fresh)
        connection = fresh
        return fresh
    }

    private func dropIfBroken(_ broken: RedisConnection) {
        if let connection, connection === broken, connection.isBroken { self.connection = nil }
    }
}
