import ReceiptCore
import ReceiptRedis
import ReceiptThreads

/// Reads and writes a batch's state in Redis with two pipelined round trips: one
/// that reads (and allocates seqs), one that writes the watermarks that moved.
///
/// Marked state (delivery acks, message-level reads) is read with `ZMSCORE` of the
/// watermarks and one `ZRANGEBYSCORE` of each user's marks (bounded by
/// `maxMarksPerUser`), and written with one `FoldMarksScript` per user and kind.
///
/// Not thread-safe: it owns one `RedisConnection`, and the worker thread that owns
/// the store is the only caller. A broken connection is dropped and re-opened on
/// the next call; every command the store sends is safe to repeat (allocation is
/// idempotent by clientMsgID, watermarks are written with `ZADD GT`).
final class RedisStateStore {
    struct Configuration: Sendable {
        var endpoint: RedisEndpoint
        /// How many of a conversation's latest seqs keep their clientMsgID for
        /// de-duplication. Default: 10,000.
        var clientMessageWindow: Int = 10_000
        /// Connect and read timeout. Default: 5 s.
        var timeoutMs: Int = 5_000
        /// The most marks kept per user above a watermark; the fold script forgets the
        /// highest beyond it, as `BatchApplier` does. Default: 10,000.
        var maxMarksPerUser: Int = 10_000
    }

    let configuration: Configuration
    private var connection: Reconnecting<RedisConnection, RedisError>
    /// Why the Redis of the current connection may evict keys, checked when the
    /// connection was made; nil when it cannot (or nothing is connected yet).
    private(set) var evictionProblem: String?
    private var checkedConnection: ObjectIdentifier?
    /// The sentinel value this worker last seeded or adopted; nil until then.
    var epoch: String?

    private let commandBuilder: BatchCommands

    init(configuration: Configuration) {
        connection = Reconnecting(
            connect: { () throws(RedisError) in
                try RedisConnection.connect(configuration.endpoint, timeoutMs: configuration.timeoutMs)
            },
            isBroken: \.isBroken)
        self.configuration = configuration
        commandBuilder = BatchCommands(clientMessageWindow: configuration.clientMessageWindow,
                                       maxMarksPerUser: configuration.maxMarksPerUser)
    }

    /// Phase one: the snapshot of every conversation the queries name, with the
    /// seqs of their new messages allocated. Throws `RedisStateLost` when Redis lost
    /// its data since the epoch was set: the sentinel is read before and after the
    /// batch's commands (and inside the allocation script), so no snapshot is ever
    /// built from a half-empty Redis.
    ///
    /// `trimBelow` gives, per conversation, the position below which the record of
    /// allocation positions is no longer needed (its partition's checkpoint: replays
    /// never start earlier).
    func read(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:]) throws -> [IDKey: ConversationSnapshot] {
        try finishRead(beginRead(queries, trimBelow: trimBelow))
    }

    /// Phase one's commands, written to Redis; `finishRead` collects the snapshots.
    struct PendingRead {
        fileprivate let queries: [ConversationQuery]
        fileprivate let commands: [RedisCommand]
        fileprivate let epoch: String
        fileprivate let connection: RedisConnection
        fileprivate let replies: RedisConnection.PendingReplies
    }

    /// Phase one's commands, built before they can be sent (while Redis still works
    /// on the batch before), and rebuilt at `beginRead` if the epoch changed since.
    struct PreparedRead {
        let queries: [ConversationQuery]
        let trimBelow: [IDKey: Int64]
        fileprivate let epoch: String?
        fileprivate let commands: [RedisCommand]
    }

    /// Builds phase one's commands without sending anything; the store may be busy.
    func prepareRead(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:]) -> PreparedRead {
        PreparedRead(queries: queries, trimBelow: trimBelow, epoch: epoch,
                     commands: epoch.map { commandBuilder.read(queries, epoch: $0, trimBelow: trimBelow) } ?? [])
    }

    /// Sends phase one without waiting for Redis, so the worker can do other work
    /// (announcing the previous batch) while Redis allocates and reads. Nothing else
    /// may use the store until `finishRead`.
    func beginRead(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:]) throws -> PendingRead {
        try beginRead(prepareRead(queries, trimBelow: trimBelow))
    }

    /// `beginRead` with the commands built ahead.
    func beginRead(_ prepared: PreparedRead) throws -> PendingRead {
        guard let epoch else { throw RedisStateLost() }
        let commands = prepared.epoch == epoch
            ? prepared.commands : commandBuilder.read(prepared.queries, epoch: epoch, trimBelow: prepared.trimBelow)
        let (connection, replies) = try send(commands)
        return PendingRead(queries: prepared.queries, commands: commands, epoch: epoch, connection: connection,
                           replies: replies)
    }

    /// The snapshots `read` returns, from the replies to `beginRead`'s commands.
    func finishRead(_ pending: PendingRead) throws -> [IDKey: ConversationSnapshot] {
        let queries = pending.queries
        let epoch = pending.epoch
        var replies = try receive(pending.replies, on: pending.connection)
        if replies.contains(where: Self.isNoScript) {
            // Redis forgot the script (restart, failover): load it, then run the reads again.
            try pending.connection.load(AllocationScript.script)
            replies = try execute(pending.commands, scripts: [AllocationScript.script])
        }
        guard try replies.first?.get().string == epoch, try replies.last?.get().string == epoch,
              !replies.contains(where: Self.isStateLost)
        else { throw RedisStateLost() }
        return try commandBuilder.snapshots(of: queries, from: replies)
    }

    /// Phase two: stores the watermarks that moved (`ZADD GT`) and the marked states
    /// that changed (`FoldMarksScript`). Neither ever lowers anything, so a late or
    /// repeated write is harmless.
    func write(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) throws(RedisError) {
        guard !writes.isEmpty || !markedWrites.isEmpty else { return }
        let commands = commandBuilder.write(writes, markedWrites)
        for reply in try execute(commands, scripts: markedWrites.isEmpty ? [] : [FoldMarksScript.script]) {
            _ = try reply.get()
        }
    }

    /// Phase two's commands, written to Redis; `finishWrite` collects the replies.
    struct PendingWrite {
        fileprivate let connection: RedisConnection
        fileprivate let replies: RedisConnection.PendingReplies
    }

    /// Sends phase two without waiting for Redis; nil when nothing moved. The next
    /// batch's `beginRead` may be sent behind it (Redis runs the two in order, so the
    /// reads see these writes), and `finishWrite` must collect it before that read.
    func beginWrite(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) throws(RedisError) -> PendingWrite? {
        guard !writes.isEmpty || !markedWrites.isEmpty else { return nil }
        let (connection, replies) = try send(commandBuilder.write(writes, markedWrites))
        return PendingWrite(connection: connection, replies: replies)
    }

    /// Throws when any command of the write failed, NOSCRIPT included: the caller
    /// then `abandonConnection()`s, so nothing sent behind the write is used, and
    /// writes again with `write` (which loads a forgotten script).
    func finishWrite(_ pending: PendingWrite) throws(RedisError) {
        for reply in try receive(pending.replies, on: pending.connection) { _ = try reply.get() }
    }

    /// Writes a pipeline on a live connection without waiting; a connection that
    /// broke doing so is dropped, and the next call opens a new one.
    private func send(_ commands: [RedisCommand]) throws(RedisError)
        -> (RedisConnection, RedisConnection.PendingReplies) {
        let connection = try liveConnection()
        do {
            return (connection, try connection.send(commands))
        } catch {
            self.connection.dropIfBroken()
            throw error
        }
    }

    /// Collects what `send` wrote; drops the connection if it broke (and is still ours).
    private func receive(_ replies: RedisConnection.PendingReplies, on connection: RedisConnection)
        throws(RedisError) -> [Result<RedisReply, RedisError>] {
        do {
            return try connection.receive(replies)
        } catch {
            self.connection.dropIfBroken(only: connection)
            throw error
        }
    }

    /// Gives up the current connection, and with it the replies of every pipeline
    /// still in flight on it: collecting them throws. The next call connects afresh.
    func abandonConnection(_ reason: String) {
        connection.drop { $0.abandon(reason) }
    }

    /// The fold script call that stores one user's marked state.
    func foldMarks(
        _ kind: MarkedWrite.Kind, _ cid: String, _ userID: String, _ state: MarkedWatermark
    ) -> RedisCommand {
        commandBuilder.foldMarks(kind, cid, userID, state)
    }

    /// Runs a pipeline on a live connection, loading the scripts and running it once
    /// more if Redis has forgotten them (restart, failover, SCRIPT FLUSH).
    func execute(_ commands: [RedisCommand], scripts: [RedisScript]) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        let connection = try liveConnection()
        do {
            var replies = try connection.pipeline(commands)
            if replies.contains(where: Self.isNoScript) {
                for script in scripts { try connection.load(script) }
                replies = try connection.pipeline(commands)
            }
            return replies
        } catch {
            self.connection.dropIfBroken()
            throw error
        }
    }

    /// Connects (if need be) and tells why this Redis may evict keys; nil if it cannot.
    func connectedEvictionProblem() throws(RedisError) -> String? {
        _ = try liveConnection()
        return evictionProblem
    }

    /// The live connection; a new one first has its eviction policy checked.
    private func liveConnection() throws(RedisError) -> RedisConnection {
        let live = try connection.live()
        if ObjectIdentifier(live) != checkedConnection {
            evictionProblem = try EvictionPolicy.problem(on: live)
            checkedConnection = ObjectIdentifier(live)
        }
        return live
    }
}
