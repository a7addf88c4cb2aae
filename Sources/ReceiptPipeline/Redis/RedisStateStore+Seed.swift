import ReceiptCore
import ReceiptRedis

/// Redis no longer holds the complete state: it lost its data (restart without
/// persistence, FLUSHALL), rolled back (a failover to a replica that lagged, a
/// restart from an older snapshot, a restored backup), or lost a counter; or
/// another replica found so and is rebuilding it.
struct RedisStateLost: Error, CustomStringConvertible {
    /// How it was noticed; the label of `receiptd_redis_state_losses_total`.
    enum Trigger: String, Sendable, CaseIterable {
        /// The sentinel no longer holds this worker's epoch: Redis lost its data,
        /// or another replica found a rollback or re-seeded.
        case sentinel
        /// This writer's position went back (`WriterPositionScript`), or a taken-over
        /// partition's checkpoint recorded a position Redis no longer has.
        case writePosition = "write_position"
        /// A counter was gone while its conversation's messages remained.
        case counterMissing = "counter_missing"
    }

    var trigger: Trigger = .sentinel
    var detail: String = ""
    /// On a cluster, the slot where it was found, when known.
    var slot: Int?

    /// Found by this worker: the sentinel still holds its epoch and must be marked.
    var isRollback: Bool { trigger != .sentinel }

    var description: String {
        switch trigger {
        case .sentinel: "Redis lost its data or is being rebuilt (the sentinel changed)"
        case .writePosition: "Redis rolled back (\(detail))"
        case .counterMissing: "a counter vanished from Redis (\(detail))"
        }
    }
}

/// What a worker knows of a loss of Redis state until Redis is whole again.
struct RedisLoss {
    /// When it was noticed.
    let since: ContinuousClock.Instant
    /// This worker found a rollback: the sentinel (sentinels) must be marked.
    var rollback = false
    /// On a cluster, the slots of the shards found rolled back; nil: every slot
    /// (a single Redis, or a shard that could not be told).
    var rolledBackSlots: Set<Int>? = []
}

extension RedisStateStore {
    /// The sentinel's current value; nil when Redis lost it, `RedisKeys.rolledBack`
    /// while a rollback waits to be rebuilt. On a cluster, the value every slot's
    /// sentinel holds: `rolledBack` when any holds it, nil when any lost it or they
    /// differ (a shard lost its data, or a re-seed is writing a new epoch).
    func currentSentinel() throws(RedisError) -> String? {
        let values = Array(try slotSentinels().values)
        if values.contains(RedisKeys.rolledBack) { return RedisKeys.rolledBack }
        guard let first = values.first, let value = first, values.allSatisfy({ $0 == value }) else { return nil }
        return value
    }

    /// The epoch the sentinel holds; nil when Redis lost it or a rollback was found
    /// (`RedisKeys.rolledBack`): either way Redis must be rebuilt before it is used.
    func currentEpoch() throws(RedisError) -> String? {
        try currentSentinel().flatMap { $0 == RedisKeys.rolledBack ? nil : $0 }
    }

    /// Writes `epoch` into the sentinel (every slot's on a cluster, or those of
    /// `slots`).
    func setSentinel(_ epoch: String, slots: [Int]? = nil) throws(RedisError) {
        for reply in try execute(scopes(slots).map { .set($0.sentinel, epoch) }, scripts: []) { _ = try reply.get() }
    }

    /// What every sentinel holds now (nil: gone), by slot (the single one under 0).
    func slotSentinels() throws(RedisError) -> [Int: String?] {
        let scopes = allScopes
        let replies = try execute(scopes.map { .get($0.sentinel) }, scripts: [])
        var values: [Int: String?] = [:]
        values.reserveCapacity(scopes.count)
        for (scope, reply) in zip(scopes, replies) { values[scope.slot ?? 0] = try reply.get().string }
        return values
    }

    /// Writes state into Redis without lowering anything already there: counters
    /// raised, every read and delivery state with the fold script (`read`/`rx`/`rxi`,
    /// `dlv`/`dx`), which also drops marks the watermark passed, clientMsgID
    /// allocations added to their conversation's sorted set (trimmed to the window
    /// by the conversation's next allocation), private read watermarks raised.
    func seed(_ changes: StateChanges) throws(RedisError) {
        var commands: [RedisCommand] = []
        commands.reserveCapacity(changes.rowCount)
        for (cid, maxSeq) in changes.maxSeqs {
            commands.append(.evalsha(RaiseCounterScript.script, keys: [RedisKeys.maxSeq(cid.id)], args: [String(maxSeq)]))
        }
        // Every read state through the fold script, marks or not: over a Redis that
        // rolled back, a user may still hold marks (and read-mark index entries) the
        // stored watermark has passed, which a plain ZADD GT would leave behind to
        // be counted twice.
        for (key, state) in changes.reads where state.highestCovered > 0 {
            commands.append(foldMarks(.read, key.conversationID, key.userID, state))
        }
        for (key, state) in changes.deliveries where state.highestCovered > 0 {
            commands.append(foldMarks(.delivery, key.conversationID, key.userID, state))
        }
        var privateReads: [IDKey: [(score: Int64, member: String)]] = [:]
        for (key, seq) in changes.privateReads where seq > 0 {
            privateReads[IDKey(key.conversationID), default: []].append((seq, key.userID))
        }
        for (cid, members) in privateReads {
            commands.append(.zadd(RedisKeys.privateReadWatermarks(cid.id), greaterThan: true, changed: false, members))
        }
        var clientMessages: [IDKey: [(score: Int64, member: String)]] = [:]
        for (key, seq) in changes.clientMessages {
            clientMessages[IDKey(key.conversationID), default: []].append((seq, key.storedID))
        }
        for (cid, members) in clientMessages {
            // LT: a message seeded twice (stored twice, or over two pages) keeps its first seq.
            commands.append(.zadd(RedisKeys.clientMessages(cid.id), lessThan: true, members))
        }
        for chunk in stride(from: 0, to: commands.count, by: 10_000) {
            let slice = Array(commands[chunk..<min(chunk + 10_000, commands.count)])
            for reply in try execute(slice, scripts: [RaiseCounterScript.script, FoldMarksScript.script]) {
                _ = try reply.get()
            }
        }
    }
}

extension RedisStateStore {
    /// Makes the epoch most slots hold the store's `epoch`, and keeps in
    /// `slotEpochs` only the slots that hold another one.
    func normalizeEpochs() {
        guard !slotEpochs.isEmpty else { return }
        let values = (0..<RedisHashSlot.count).map { slotEpochs[$0] ?? epoch }
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        guard let common = counts.max(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key else { return }
        var others: [Int: String] = [:]
        for (slot, value) in values.enumerated() where value != nil && value != common { others[slot] = value }
        if epoch != common { epoch = common }
        if others != slotEpochs { slotEpochs = others }
    }
}
