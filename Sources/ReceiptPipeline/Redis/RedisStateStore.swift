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
        /// Seed nodes of a Redis Cluster; empty for a single Redis (`endpoint`). On a
        /// cluster every check is per slot (`CheckScope`). Default: none.
        var clusterSeeds: [RedisEndpoint] = []
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
    private let client: RedisClient
    /// What the checks of each new connection found (`EvictionPolicy`).
    private let connectionChecks: ConnectionChecks
    /// The sentinel value this worker last seeded or adopted; nil until then. On a
    /// cluster, the value of every slot not in `slotEpochs`.
    var epoch: String? { didSet { epochGeneration += 1 } }
    /// On a cluster, the slots rebuilt on their own since (a shard that lost its data
    /// or went back) and the value their sentinels hold now.
    var slotEpochs: [Int: String] = [:] { didSet { epochGeneration += 1 } }
    /// Moves whenever `epoch` or `slotEpochs` changes: commands built before are stale.
    private(set) var epochGeneration = 0
    /// This process's write position key (`RedisKeys.writer`), under a random ID
    /// drawn when the store is made: no other process ever advances it.
    let writerID: String
    /// The highest write position Redis acknowledged to this process, per scope
    /// (one on a single Redis, one per slot used on a cluster). Never decreases; a
    /// reply below it means Redis lost writes (`WriterPositionScript`).
    var acknowledgedPositions: [CheckScope: Int64] = [:]
    /// Positions other writers must still have in Redis, recorded by the
    /// checkpoints of partitions this worker just took over; required by the next
    /// check of the single scope, then covered by this writer's own position.
    var requiredPositions: [String: Int64] = [:]
    /// The same on a cluster, per slot (slot → writer → position, from
    /// `SlotPositions`): each slot's next check requires them, and this writer's own
    /// position in that slot covers them from then on.
    var requiredSlotPositions: [Int: [String: Int64]] = [:]
    /// The slot positions the last flush handed over recorded (cluster only): the
    /// next one records only those that moved since (`slotPositionsToRecord`).
    var recordedSlotPositions: [Int: Int64] = [:]
    /// Where the next idle check of a cluster's slots begins (`checkWriter`).
    var idleCheckCursor = 0

    private let commandBuilder: BatchCommands

    init(configuration: Configuration) {
        let checks = ConnectionChecks(cluster: !configuration.clusterSeeds.isEmpty)
        connectionChecks = checks
        client = RedisClient(
            configuration.clusterSeeds.isEmpty ? .single(configuration.endpoint) : .cluster(seeds: configuration.clusterSeeds),
            timeoutMs: configuration.timeoutMs,
            prepare: { connection throws(RedisError) in try checks.prepare(connection) })
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
        fileprivate let prepared: PreparedRead
        fileprivate let commands: [RedisCommand]
        fileprivate let generation: Int
        fileprivate let replies: RedisClient.PendingReplies
    }

    /// Phase one's commands, built before they can be sent (while Redis still works
    /// on the batch before), and rebuilt at `beginRead` if the epoch changed since.
    /// On a cluster, one group of commands per slot, each with its own checks.
    struct PreparedRead {
        let queries: [ConversationQuery]
        let trimBelow: [IDKey: Int64]
        /// The most marks the read may bring back (nil: no limit).
        let marksBudget: Int?
        /// Replay horizons to raise with the read: each partition's pseudo-tag
        /// (`RedisKeys.replayHorizonTag`) and the offset after the batch's last record.
        let horizons: [(tag: String, offset: Int64)]
        fileprivate let generation: Int?
        fileprivate let groups: [ReadGroup]
        fileprivate let commands: [RedisCommand]
    }

    /// One scope's share of a read: its queries and where its commands are (the
    /// first and the last are its checks).
    fileprivate struct ReadGroup {
        let scope: CheckScope
        let queries: [ConversationQuery]
        let range: Range<Int>
    }

    /// Builds phase one's commands without sending anything; the store may be busy.
    func prepareRead(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:],
                     marksBudget: Int? = nil, horizons: [(tag: String, offset: Int64)] = []) -> PreparedRead {
        guard epoch != nil else {
            return PreparedRead(queries: queries, trimBelow: trimBelow, marksBudget: marksBudget, horizons: horizons,
                                generation: nil, groups: [], commands: [])
        }
        let scoped = ScopedGroups(queries, cluster: client.isCluster, conversationID: \.conversationID).groups
        // The budget bounds the whole read: each slot's call gets its share.
        let share = marksBudget.map { max(1, $0 / scoped.count) }
        var commands: [RedisCommand] = []
        var groups: [ReadGroup] = []
        groups.reserveCapacity(scoped.count)
        for (scope, items) in scoped {
            let start = commands.count
            // A slot without an epoch (never seeded) refuses to allocate: nothing matches "".
            commands += commandBuilder.read(items, epoch: self.epoch(of: scope) ?? "", trimBelow: trimBelow,
                                            marksBudget: share, scope: scope)
            groups.append(ReadGroup(scope: scope, queries: items, range: start..<commands.count))
        }
        // After every group: the horizons, each under the epoch of its own scope.
        for horizon in horizons { commands.append(raiseReplayHorizon(horizon.tag, to: horizon.offset)) }
        return PreparedRead(queries: queries, trimBelow: trimBelow, marksBudget: marksBudget, horizons: horizons,
                            generation: epochGeneration, groups: groups, commands: commands)
    }

    /// Sends phase one without waiting for Redis, so the worker can do other work
    /// (announcing the previous batch) while Redis allocates and reads. Nothing else
    /// may use the store until `finishRead`.
    func beginRead(_ queries: [ConversationQuery], trimBelow: [IDKey: Int64] = [:]) throws -> PendingRead {
        try beginRead(prepareRead(queries, trimBelow: trimBelow))
    }

    /// `beginRead` with the commands built ahead.
    func beginRead(_ prepared: PreparedRead) throws -> PendingRead {
        guard epoch != nil else { throw RedisStateLost() }
        let prepared = prepared.generation == epochGeneration
            ? prepared : prepareRead(prepared.queries, trimBelow: prepared.trimBelow, marksBudget: prepared.marksBudget,
                                     horizons: prepared.horizons)
        var commands = prepared.commands
        // The sentinel reads `read` puts first and last in each group become checks of
        // this writer's position there as of now (the batch before has been collected).
        for group in prepared.groups {
            let epoch = self.epoch(of: group.scope) ?? ""
            commands[group.range.lowerBound] = writerCheck(epoch: epoch, scope: group.scope)
            commands[group.range.upperBound - 1] = writerCheck(epoch: epoch, scope: group.scope)
        }
        return PendingRead(prepared: prepared, commands: commands, generation: epochGeneration,
                           replies: try client.send(commands, trailer: replicaWait))
    }

    /// The snapshots `read` returns, from the replies to `beginRead`'s commands.
    func finishRead(_ pending: PendingRead) throws -> [IDKey: ConversationSnapshot] {
        let prepared = pending.prepared
        var (replies, waited) = try client.receiveTrailed(pending.replies)
        if replies.contains(where: Self.isNoScript) {
            // Redis forgot the scripts (restart, failover): load them, then run the reads again.
            (replies, waited) = try execute(
                pending.commands, trailer: replicaWait,
                scripts: [WriterPositionScript.script, MarksReadScript.script, AllocationScript.script,
                          ReplayHorizonScript.script])
        }
        // Sent before a re-seed: what it read may predate the rebuilt state.
        guard pending.generation == epochGeneration else {
            return try finishRead(beginRead(prepareRead(prepared.queries, trimBelow: prepared.trimBelow,
                                                        marksBudget: prepared.marksBudget, horizons: prepared.horizons)))
        }
        for group in prepared.groups { try acknowledge(replies[group.range.lowerBound], scope: group.scope) }
        if let missing = replies.lazy.compactMap(Self.counterMissing).first {
            throw RedisStateLost(trigger: .counterMissing, detail: missing)
        }
        if replies.contains(where: Self.isStateLost) { throw RedisStateLost() }
        for group in prepared.groups { try acknowledge(replies[group.range.upperBound - 1], scope: group.scope) }
        // The horizons come after the groups: stored before the batch's write is sent.
        for reply in replies[(prepared.groups.last?.range.upperBound ?? 0)...] { _ = try reply.get() }
        try checkReplicas(waited)
        let marks = prepared.groups.compactMap { group in
            group.range.count > 1 ? Self.marksOverBudget(replies[group.range.lowerBound + 1]) : nil
        }
        if !marks.isEmpty { throw MarksOverBudget(marks: marks.reduce(0, +)) }
        guard prepared.groups.count > 1 else {
            return try commandBuilder.snapshots(of: prepared.queries,
                                                from: Array(replies[..<(prepared.groups.first?.range.upperBound ?? 0)]))
        }
        var snapshots: [IDKey: ConversationSnapshot] = [:]
        snapshots.reserveCapacity(prepared.queries.count)
        for group in prepared.groups {
            let part = try commandBuilder.snapshots(of: group.queries, from: Array(replies[group.range]))
            snapshots.merge(part) { _, new in new }
        }
        return snapshots
    }

    /// Phase two: stores the watermarks that moved (`ZADD GT`) and the marked states
    /// that changed (`FoldMarksScript`). Neither ever lowers anything, so a late or
    /// repeated write is harmless.
    ///
    /// The writer check ends each scope's writes: it throws `RedisStateLost` when
    /// Redis rolled back below what this writer acknowledged (the writes themselves
    /// are harmless then, and the re-seed writes them again from the pending state).
    func write(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) throws {
        guard !writes.isEmpty || !markedWrites.isEmpty else { return }
        guard epoch != nil else { throw RedisStateLost() }
        let (commands, checks) = writeCommands(writes, markedWrites)
        let (replies, waited) = try execute(commands, trailer: replicaWait,
                                            scripts: [WriterPositionScript.script, FoldMarksScript.script])
        try checkWrite(replies, waited: waited, checks: checks)
    }

    /// Phase two's commands, written to Redis; `finishWrite` collects the replies.
    struct PendingWrite {
        fileprivate let checks: [(index: Int, scope: CheckScope)]
        fileprivate let replies: RedisClient.PendingReplies
    }

    /// Sends phase two without waiting for Redis; nil when nothing moved. The next
    /// batch's `beginRead` may be sent behind it (Redis runs the two in order, so the
    /// reads see these writes), and `finishWrite` must collect it before that read.
    func beginWrite(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) throws -> PendingWrite? {
        guard !writes.isEmpty || !markedWrites.isEmpty else { return nil }
        guard epoch != nil else { throw RedisStateLost() }
        let (commands, checks) = writeCommands(writes, markedWrites)
        return PendingWrite(checks: checks, replies: try client.send(commands, trailer: replicaWait))
    }

    /// Throws when any command of the write failed, NOSCRIPT included: the caller
    /// then `abandonConnection()`s, so nothing sent behind the write is used, and
    /// writes again with `write` (which loads a forgotten script). Throws
    /// `RedisStateLost` when the writer check found Redis lost or rolled back.
    func finishWrite(_ pending: PendingWrite) throws {
        let (replies, waited) = try client.receiveTrailed(pending.replies)
        try checkWrite(replies, waited: waited, checks: pending.checks)
    }

    /// The replies of a write: each scope's writer check (acknowledged first, so a
    /// failed write still counts the positions Redis gave), then every write's, then
    /// the replicas' `WAIT`s when there are.
    private func checkWrite(_ replies: [Result<RedisReply, RedisError>], waited: [Result<RedisReply, RedisError>],
                            checks: [(index: Int, scope: CheckScope)]) throws {
        for check in checks { try acknowledge(replies[check.index], scope: check.scope) }
        for reply in replies { _ = try reply.get() }
        try checkReplicas(waited)
    }

    /// Phase two's pipeline: each scope's writes then its writer check; and where
    /// the checks are.
    private func writeCommands(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite])
        -> (commands: [RedisCommand], checks: [(index: Int, scope: CheckScope)]) {
        var commands: [RedisCommand] = []
        var checks: [(index: Int, scope: CheckScope)] = []
        for (scope, scoped) in commandBuilder.write(writes, markedWrites, cluster: client.isCluster) {
            commands += scoped
            checks.append((commands.count, scope))
            commands.append(writerCheck(epoch: epoch(of: scope) ?? "", scope: scope))
        }
        return (commands, checks)
    }

    /// The `WAIT` that ends every round trip when replicas must hold its writes: the
    /// client sends it after the round trip's commands on every connection they went
    /// to (each node of a cluster they reached, redirections included), since a
    /// `WAIT` covers the writes of its own connection only.
    private var replicaWait: RedisCommand? {
        guard configuration.replicasToWait > 0 else { return nil }
        return RedisCommand(["WAIT", String(configuration.replicasToWait), String(configuration.replicaWaitTimeoutMs)])
    }

    /// Throws a timeout when, on any connection, fewer replicas than required
    /// acknowledged the round trip's writes: nothing it allocated or wrote may be
    /// announced yet.
    private func checkReplicas(_ replies: [Result<RedisReply, RedisError>]) throws(RedisError) {
        guard configuration.replicasToWait > 0 else { return }
        for reply in replies {
            let acknowledged = try reply.get().int64 ?? 0
            guard acknowledged < Int64(configuration.replicasToWait) else { continue }
            throw RedisError(.timeout, context: "WAIT: \(acknowledged) of \(configuration.replicasToWait) replicas "
                             + "within \(configuration.replicaWaitTimeoutMs) ms")
        }
    }

    /// The slots that share a primary with `slot` now (by the client's slot map):
    /// what a failover or a restart of that primary affects. nil on a single Redis,
    /// or when the map does not know the slot.
    func slotsSharingShard(with slot: Int) -> [Int]? {
        client.slotsSharingNode(with: slot)
    }

    /// Gives up the current connections, and with them the replies of every
    /// pipeline still in flight on them: collecting them throws. The next call
    /// connects afresh.
    func abandonConnection(_ reason: String) {
        client.abandon(reason)
    }

    /// The fold script call that stores one user's marked state.
    func foldMarks(
        _ kind: MarkedWrite.Kind, _ cid: String, _ userID: String, _ state: MarkedWatermark
    ) -> RedisCommand {
        commandBuilder.foldMarks(kind, cid, userID, state)
    }

    /// Runs a pipeline, loading the scripts and running it once more if Redis has
    /// forgotten them (restart, failover, SCRIPT FLUSH).
    func execute(_ commands: [RedisCommand], scripts: [RedisScript]) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try execute(commands, trailer: nil, scripts: scripts).replies
    }

    /// `execute` with a trailer (`RedisClient.send`), and the trailer's replies.
    func execute(_ commands: [RedisCommand], trailer: RedisCommand?, scripts: [RedisScript]) throws(RedisError)
        -> (replies: [Result<RedisReply, RedisError>], trailers: [Result<RedisReply, RedisError>]) {
        var replies = try client.receiveTrailed(client.send(commands, trailer: trailer))
        if replies.replies.contains(where: Self.isNoScript) {
            for script in scripts { try client.load(script) }
            replies = try client.receiveTrailed(client.send(commands, trailer: trailer))
        }
        return replies
    }

    /// Why a Redis server (any node, on a cluster) may evict keys, from the checks of
    /// the connections made so far; nil when none may.
    var evictionProblem: String? { connectionChecks.evictionProblem }

    /// Connects (if need be) and tells why this Redis may evict keys; nil if it cannot.
    func connectedEvictionProblem() throws(RedisError) -> String? {
        _ = try client.pipeline([RedisCommand(["PING"])])
        return evictionProblem
    }
}

/// The checks of every new connection the store makes: its eviction policy read,
/// and every script loaded, so a pipeline sent without waiting (`beginWrite`) does
/// not fail with NOSCRIPT on a fresh or failed-over Redis (`execute` still loads
/// them again if Redis forgets them later, `SCRIPT FLUSH`).
private final class ConnectionChecks {
    /// A single Redis: what its newest connection found. A cluster: every node's
    /// connections' findings, kept (a node that may evict stays reported).
    private let cluster: Bool
    private var problems: [ObjectIdentifier: String] = [:]

    init(cluster: Bool) { self.cluster = cluster }

    var evictionProblem: String? { problems.values.sorted().first }

    /// Every script the store runs.
    private static let scripts = [WriterPositionScript.script, AllocationScript.script, MarksReadScript.script,
                                  FoldMarksScript.script, RaiseCounterScript.script, ReplayHorizonScript.script]

    func prepare(_ connection: RedisConnection) throws(RedisError) {
        if !cluster { problems.removeAll() }
        problems[ObjectIdentifier(connection)] = try EvictionPolicy.problem(on: connection)
        for script in Self.scripts { try connection.load(script) }
    }
}
