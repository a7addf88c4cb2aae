import ReceiptCore
import ReceiptRedis
import ReceiptThreads

/// Reads and writes a batch's state in Redis with two pipelined round trips: one
/// that reads (and allocates seqs), one that writes the watermarks that moved.
///
/// Marked state (delivery acks, message-level reads) is read with `ZMSCORE` of the
/// watermarks and one `MarksReadScript` call for every user's marks (each bounded by
/// `maxMarksPerUser`, all by the read's budget), and written with one
/// `FoldMarksScript` per user and kind.
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
        /// Replicas that must hold each round trip's writes (`WAIT`) before what it
        /// allocated or wrote is used: a failover then cannot lose a seq that was
        /// announced. 0: none. Default: 0.
        var replicasToWait: Int = 0
        /// How long one `WAIT` waits; fewer replicas by then fails the round trip
        /// as a timeout, which is retried (allocation and writes repeat harmlessly).
        /// Default: 1,000 ms.
        var replicaWaitTimeoutMs: Int = 1_000
    }

    let configuration: Configuration
    private var connection: Reconnecting<RedisConnection, RedisError>
    /// Why the Redis of the current connection may evict keys, checked when the
    /// connection was made; nil when it cannot (or nothing is connected yet).
    private(set) var evictionProblem: String?
    private var checkedConnection: ObjectIdentifier?
    /// The sentinel value this worker last seeded or adopted; nil until then.
    var epoch: String?
    /// This process's write position key (`RedisKeys.writer`), under a random ID
    /// drawn when the store is made: no other process ever advances it.
    let writerID: String
    /// The highest write position Redis acknowledged to this process. Never
    /// decreases; a reply below it means Redis lost writes (`WriterPositionScript`).
    var acknowledgedPosition: Int64 = 0
    /// Positions other writers must still have in Redis, recorded by the
    /// checkpoints of partitions this worker just took over; required by the next
    /// check, then covered by this writer's own position.
    var requiredPositions: [String: Int64] = [:]

    private let commandBuilder: BatchCommands

    init(configuration: Configuration) {
        connection = Reconnecting(
            connect: { () throws(RedisError) in
                try RedisConnection.connect(configuration.endpoint, timeoutMs: configuration.timeoutMs)
            },
            isBroken: \.isBroken)
        self.configuration = configuration
        writerID = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        commandBuilder = BatchCommands(clientMessageWindow: configuration.clientMessageWindow,
                                       maxMarksPerUser: configuration.maxMarksPerUser)
    }

    /// Phase one: the snapshot of every conversation the queries name, with the
    /// seqs of their new messages allocated. Throws `RedisStateLost` when Redis lost
    /// its data or rolled back since the epoch was set: the writer check
    /// (`WriterPositionScript`) runs before and after the batch's commands, and the
    /// allocation script checks the sentinel, so no snapshot is ever built from a
    /// half-empty or older Redis.
    ///
    /// `trimBelow` gives, per conversation, the position below which the record of
    /// allocation positions is no longer needed (its partition's checkpoint: replays
    /// never start earlier). Throws `MarksOverBudget` when the batch's marked users
    /// hold more than `marksBudget` marks (nil: no limit); nothing is decided then.
    func read(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:],
              marksBudget: Int? = nil) throws -> [IDKey: ConversationSnapshot] {
        try finishRead(beginRead(prepareRead(queries, trimBelow: trimBelow, marksBudget: marksBudget)))
    }

    /// Phase one's commands, written to Redis; `finishRead` collects the snapshots.
    struct PendingRead {
        fileprivate let queries: [ConversationQuery]
        fileprivate let trimBelow: [IDKey: Int64]
        fileprivate let marksBudget: Int?
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
        /// The most marks the read may bring back (nil: no limit).
        let marksBudget: Int?
        fileprivate let epoch: String?
        fileprivate let commands: [RedisCommand]
    }

    /// Builds phase one's commands without sending anything; the store may be busy.
    func prepareRead(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:],
                     marksBudget: Int? = nil) -> PreparedRead {
        PreparedRead(queries: queries, trimBelow: trimBelow, marksBudget: marksBudget, epoch: epoch,
                     commands: epoch.map {
                         commandBuilder.read(queries, epoch: $0, trimBelow: trimBelow, marksBudget: marksBudget)
                     } ?? [])
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
        var commands = prepared.epoch == epoch
            ? prepared.commands
            : commandBuilder.read(prepared.queries, epoch: epoch, trimBelow: prepared.trimBelow,
                                  marksBudget: prepared.marksBudget)
        // The sentinel reads `read` puts first and last become checks of this writer's
        // position as of now (the batch before has been collected).
        commands[0] = writerCheck(epoch: epoch)
        commands[commands.count - 1] = writerCheck(epoch: epoch)
        if let replicaWait { commands.append(replicaWait) }
        let (connection, replies) = try send(commands)
        return PendingRead(queries: prepared.queries, trimBelow: prepared.trimBelow,
                           marksBudget: prepared.marksBudget, commands: commands, epoch: epoch,
                           connection: connection, replies: replies)
    }

    /// The snapshots `read` returns, from the replies to `beginRead`'s commands.
    func finishRead(_ pending: PendingRead) throws -> [IDKey: ConversationSnapshot] {
        let queries = pending.queries
        let epoch = pending.epoch
        var replies = try receive(pending.replies, on: pending.connection)
        if replies.contains(where: Self.isNoScript) {
            // Redis forgot the scripts (restart, failover): load them, then run the reads again.
            replies = try execute(pending.commands,
                                  scripts: [WriterPositionScript.script, MarksReadScript.script, AllocationScript.script])
        }
        // Sent before a re-seed: what it read may predate the rebuilt state.
        guard epoch == self.epoch else {
            return try read(queries, trimBelow: pending.trimBelow, marksBudget: pending.marksBudget)
        }
        let waited = replicaWait == nil ? nil : replies.removeLast()
        try acknowledge(replies[0])
        if let missing = replies.lazy.compactMap(Self.counterMissing).first {
            throw RedisStateLost(trigger: .counterMissing, detail: missing)
        }
        if replies.contains(where: Self.isStateLost) { throw RedisStateLost() }
        try acknowledge(replies[replies.count - 1])
        if let waited { try checkReplicas(waited) }
        if let marks = Self.marksOverBudget(replies[1]) { throw MarksOverBudget(marks: marks) }
        return try commandBuilder.snapshots(of: queries, from: replies)
    }

    /// Phase two: stores the watermarks that moved (`ZADD GT`) and the marked states
    /// that changed (`FoldMarksScript`). Neither ever lowers anything, so a late or
    /// repeated write is harmless.
    ///
    /// The writer check ends the pipeline: it throws `RedisStateLost` when Redis
    /// rolled back below what this writer acknowledged (the writes themselves are
    /// harmless then, and the re-seed writes them again from the pending state).
    func write(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) throws {
        guard !writes.isEmpty || !markedWrites.isEmpty else { return }
        guard let epoch else { throw RedisStateLost() }
        let commands = writeCommands(writes, markedWrites, epoch: epoch)
        try checkWrite(execute(commands, scripts: [WriterPositionScript.script, FoldMarksScript.script]))
    }

    /// Phase two's commands, written to Redis; `finishWrite` collects the replies.
    struct PendingWrite {
        fileprivate let connection: RedisConnection
        fileprivate let replies: RedisConnection.PendingReplies
    }

    /// Sends phase two without waiting for Redis; nil when nothing moved. The next
    /// batch's `beginRead` may be sent behind it (Redis runs the two in order, so the
    /// reads see these writes), and `finishWrite` must collect it before that read.
    func beginWrite(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) throws -> PendingWrite? {
        guard !writes.isEmpty || !markedWrites.isEmpty else { return nil }
        guard let epoch else { throw RedisStateLost() }
        let (connection, replies) = try send(writeCommands(writes, markedWrites, epoch: epoch))
        return PendingWrite(connection: connection, replies: replies)
    }

    /// Throws when any command of the write failed, NOSCRIPT included: the caller
    /// then `abandonConnection()`s, so nothing sent behind the write is used, and
    /// writes again with `write` (which loads a forgotten script). Throws
    /// `RedisStateLost` when the writer check found Redis lost or rolled back.
    func finishWrite(_ pending: PendingWrite) throws {
        try checkWrite(receive(pending.replies, on: pending.connection))
    }

    /// The replies of a write: the writer check's (acknowledged first, so a failed
    /// write still counts the position Redis gave), then every write's, then the
    /// replicas' `WAIT` when there is one.
    private func checkWrite(_ replies: [Result<RedisReply, RedisError>]) throws {
        var replies = replies
        let waited = replicaWait == nil ? nil : replies.removeLast()
        try acknowledge(replies[replies.count - 1])
        for reply in replies.dropLast() { _ = try reply.get() }
        if let waited { try checkReplicas(waited) }
    }

    /// Phase two's pipeline: the writes, the writer check, then the replicas' `WAIT`
    /// when there is one (`checkWrite` reads the replies in this order).
    private func writeCommands(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite],
                               epoch: String) -> [RedisCommand] {
        commandBuilder.write(writes, markedWrites) + [writerCheck(epoch: epoch)] + (replicaWait.map { [$0] } ?? [])
    }

    /// The `WAIT` that ends every round trip when replicas must hold its writes.
    private var replicaWait: RedisCommand? {
        guard configuration.replicasToWait > 0 else { return nil }
        return RedisCommand(["WAIT", String(configuration.replicasToWait), String(configuration.replicaWaitTimeoutMs)])
    }

    /// Throws a timeout when fewer replicas than required acknowledged the round
    /// trip's writes: nothing it allocated or wrote may be announced yet.
    private func checkReplicas(_ reply: Result<RedisReply, RedisError>) throws(RedisError) {
        let acknowledged = try reply.get().int64 ?? 0
        guard acknowledged < Int64(configuration.replicasToWait) else { return }
        throw RedisError(.timeout, context: "WAIT: \(acknowledged) of \(configuration.replicasToWait) replicas "
                         + "within \(configuration.replicaWaitTimeoutMs) ms")
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

    /// The live connection. A new one first has its eviction policy checked and
    /// every script loaded, so a pipeline sent without waiting (`beginWrite`) does
    /// not fail with NOSCRIPT on a fresh or failed-over Redis; `execute` still
    /// loads them again if Redis forgets them later (`SCRIPT FLUSH`).
    private func liveConnection() throws(RedisError) -> RedisConnection {
        let live = try connection.live()
        if ObjectIdentifier(live) != checkedConnection {
            evictionProblem = try EvictionPolicy.problem(on: live)
            for script in Self.scripts { try live.load(script) }
            checkedConnection = ObjectIdentifier(live)
        }
        return live
    }

    /// Every script the store runs.
    private static let scripts = [WriterPositionScript.script, AllocationScript.script, MarksReadScript.script,
                                  FoldMarksScript.script, RaiseCounterScript.script]
}
