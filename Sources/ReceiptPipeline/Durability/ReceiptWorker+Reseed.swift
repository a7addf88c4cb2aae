import Logging
import ReceiptCore
import ReceiptPostgres
import ReceiptRedis

extension ReceiptWorker {
    /// Makes sure Redis holds the complete state, re-seeding it when it lost its data,
    /// until that succeeds; false when a stop came first. At start and for the
    /// machine's `reseed`.
    func reseedUntilDone() -> Bool {
        let done = retrying("preparing Redis") { () throws -> Bool in
            guard try recoverRedisState() else { throw StopRequested() }
            return true
        } == true
        if done { reportRedisWhole() } else { status.update { $0.redisReady = false } }
        return done
    }

    /// Brings Redis back to the complete state after it lost its data or rolled
    /// back: everything stored in PostgreSQL plus what every replica applied and has
    /// not yet flushed.
    ///
    /// A worker that found a rollback first marks the sentinel (`RedisKeys.rolledBack`),
    /// so every replica's allocations refuse. One replica (holding an advisory lock)
    /// then loads every conversation from PostgreSQL and writes a fresh epoch into
    /// the sentinel; the others wait for it. Each replica then adds its own unflushed
    /// state, which only it knows, and raises its write position back to what it
    /// acknowledged. Seeding never lowers a value, so the keys a rolled-back Redis
    /// still holds, racing writers and a repeated seed are all harmless: every
    /// counter ends at or above every seq any replica announced. Returns false when a
    /// stop is requested first.
    func recoverRedisState() throws -> Bool {
        if !configuration.redisClusterNodes.isEmpty { return try recoverClusterSlots() }
        if stateLost?.rollback == true { store.markRolledBack() }
        while !stop.isRequested {
            if let epoch = try store.currentEpoch(), epoch != store.epoch || stateLost == nil {
                try store.raiseReplayHorizons(writtenHorizons(in: nil), epoch: epoch)
                try store.seed(machine.pending.all)
                try store.restorePositions()
                adopt(epoch)
                return true
            }
            guard let connection = try lockedForReseed() else { continue }
            defer { try? ReseedLock.release(on: connection) }
            if let epoch = try store.currentEpoch(), epoch != store.epoch { continue }
            guard let epoch = try rebuild(slots: nil, on: connection) else { return false }
            adopt(epoch)
            return true
        }
        return false
    }

    /// Rebuilds `slots` of a cluster (nil: everything) from PostgreSQL and this
    /// worker's unflushed state, raises the write positions the checkpoints recorded
    /// there, and writes a fresh epoch into their sentinels, which it returns; nil
    /// when a stop came first. The caller holds `ReseedLock`.
    private func rebuild(slots: [Int]?, on connection: PostgresConnection) throws -> String? {
        let started = ContinuousClock.now
        let only = slots.map(Set.init)
        logger.warning("Redis does not hold the complete state: re-seeding it from PostgreSQL",
                       metadata: slots.map { ["slots": "\($0.count)"] } ?? [:])
        var conversations = 0
        var rows = 0
        var cursor = StateSeed.Cursor()
        // Pages bounded in rows and in marks or messages: a huge group or members
        // with 10,000 marks each come over many pages (StateSeed.nextPage).
        while !cursor.isDone && !stop.isRequested {
            let page = try StateSeed.nextPage(
                &cursor, rows: 5_000, weight: 200_000,
                clientMessagesNewerThanSeconds: configuration.clientMessageTTLSeconds, on: connection).inSlots(only)
            try store.seed(page)
            conversations += page.maxSeqs.count
            rows += page.rowCount
        }
        guard !stop.isRequested else { return nil }
        let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        try store.raiseReplayHorizons(writtenHorizons(in: only), epoch: epoch)
        try store.seed(machine.pending.all.inSlots(only))
        try store.restorePositions(
            Checkpoints.marks(group: configuration.group, on: connection),
            slots: configuration.redisClusterNodes.isEmpty
                ? [:] : Checkpoints.slotPositions(group: configuration.group, on: connection),
            only: only)
        try store.setSentinel(epoch, slots: slots)
        metrics.redisReseeds.increment()
        metrics.reseededConversations.increment(by: Int64(conversations))
        logger.notice("Redis re-seeded from PostgreSQL", metadata: [
            "slots": "\(slots?.count ?? store.allScopes.count)", "conversations": "\(conversations)",
            "rows": "\(rows)", "seconds": "\(ContinuousClock.now - started)"])
        return epoch
    }

    /// The replay horizons that cover what this worker wrote to Redis, for the
    /// partitions whose horizon lives in `slots` (nil: all). Raised before a re-seed
    /// writes this worker's unflushed state back: a worker that takes a partition
    /// over then announces those records again rather than take them for repeats,
    /// whether or not their notifications went out before.
    private func writtenHorizons(in slots: Set<Int>?) -> [(tag: String, offset: Int64)] {
        machine.writtenThrough.map { (horizonTag($0.key), $0.value) }.filter { store.horizonTag($0.tag, isIn: slots) }
    }

    /// A live PostgreSQL connection holding `ReseedLock`, which the caller releases;
    /// nil, after a short pause, while another replica holds it.
    private func lockedForReseed() throws -> PostgresConnection? {
        let connection = try postgres.live()
        guard try ReseedLock.tryAcquire(on: connection) else {
            pause(ms: 200)
            return nil
        }
        return connection
    }

    /// Counts and logs a loss of Redis state the moment it is noticed (once until
    /// Redis is whole again); the machine then has it re-seeded.
    func noteStateLost(_ lost: RedisStateLost) {
        metrics.stateLosses[lost.trigger]?.increment()
        if stateLost == nil {
            var metadata: Logger.Metadata = ["trigger": "\(lost.trigger.rawValue)"]
            if let slot = lost.slot { metadata["slot"] = "\(slot)" }
            logger.error("\(lost); holding allocation until Redis holds the complete state again", metadata: metadata)
            stateLost = RedisLoss(since: ContinuousClock.now)
        }
        guard lost.isRollback else { return }
        stateLost?.rollback = true
        // On a cluster, the shard of the slot where it was found; else everything.
        if let slot = lost.slot, let shard = store.slotsSharingShard(with: slot) {
            stateLost?.rolledBackSlots?.formUnion(shard)
        } else {
            stateLost?.rolledBackSlots = nil
        }
    }

    private func adopt(_ epoch: String) {
        if store.epoch != epoch {
            logger.info("adopted the Redis state epoch", metadata: ["epoch": "\(epoch)"])
        }
        store.epoch = epoch
        finishRecovery()
    }

    /// Redis holds the complete state again: the hold ends.
    private func finishRecovery() {
        if let lost = stateLost {
            metrics.recoverySeconds.recordInterval(since: lost.since)
            logger.notice("Redis holds the complete state again", metadata: [
                "heldSeconds": "\(ContinuousClock.now - lost.since)"])
            stateLost = nil
        }
    }
}

/// A stop was requested while waiting; the batch in hand is abandoned uncommitted.
struct StopRequested: Error {}

extension ReceiptWorker {
    /// `recoverRedisState` on a Redis Cluster: only the slots that lost their state
    /// are rebuilt, and every other slot keeps serving.
    ///
    /// Each slot's sentinel holds the epoch of its last rebuild. A slot whose
    /// sentinel holds an epoch this worker does not know was rebuilt by another
    /// replica: this worker adds its own unflushed state there and adopts it. Slots
    /// whose sentinel is gone (the shard lost its data) or marked (a rollback) are
    /// rebuilt by one replica under the advisory lock: the conversations of those
    /// slots from PostgreSQL, its unflushed state, the write positions, then a fresh
    /// epoch in their sentinels alone. The partitions' owners are the only writers of
    /// their conversations, so each adds what it holds before it allocates there
    /// again (its next batch in such a slot finds the new epoch).
    func recoverClusterSlots() throws -> Bool {
        // The slots this worker found rolled back are rebuilt even if marking them failed.
        var wentBack: Set<Int>? = []
        if let lost = stateLost, lost.rollback {
            wentBack = lost.rolledBackSlots
            store.markRolledBack(slots: lost.rolledBackSlots?.sorted())
        }
        while !stop.isRequested {
            let (rebuilt, broken) = try classifySlots(wentBack: wentBack)
            for (epoch, slots) in rebuilt.sorted(by: { $0.key < $1.key }) { try adoptSlots(slots, epoch: epoch) }
            if broken.isEmpty {
                store.normalizeEpochs()
                finishRecovery()
                return true
            }
            guard let connection = try lockedForReseed() else { continue }
            defer { try? ReseedLock.release(on: connection) }
            // Rebuilt by another replica meanwhile: adopt it on the next turn.
            guard try classifySlots(wentBack: wentBack).rebuilt.isEmpty else { continue }
            let whole = broken.count == RedisHashSlot.count
            guard let epoch = try rebuild(slots: whole ? nil : broken, on: connection) else { return false }
            for slot in broken { store.slotEpochs[slot] = epoch }
            store.normalizeEpochs()
            finishRecovery()
            return true
        }
        return false
    }

    /// Every slot by what its sentinel holds against what this worker expects there:
    /// another epoch (rebuilt by another replica, by epoch), or gone, marked, or in
    /// `wentBack` (nil: every slot) while still holding this worker's epoch (to be
    /// rebuilt), in slot order.
    private func classifySlots(wentBack: Set<Int>?) throws -> (rebuilt: [String: [Int]], broken: [Int]) {
        var rebuilt: [String: [Int]] = [:]
        var broken: [Int] = []
        for (slot, value) in try store.slotSentinels().sorted(by: { $0.key < $1.key }) {
            let own = store.epoch(of: CheckScope(slot: slot))
            guard let value, value != RedisKeys.rolledBack,
                  value != own || !(wentBack.map { $0.contains(slot) } ?? true) else {
                broken.append(slot)
                continue
            }
            if value != own { rebuilt[value, default: []].append(slot) }
        }
        return (rebuilt, broken)
    }

    /// Seeds this worker's unflushed state into `slots`, which another replica
    /// rebuilt under `epoch`, raises its positions there, and adopts the epoch.
    private func adoptSlots(_ slots: [Int], epoch: String) throws {
        let only = slots.count == RedisHashSlot.count ? nil : Set(slots)
        try store.raiseReplayHorizons(writtenHorizons(in: only), epoch: epoch)
        try store.seed(machine.pending.all.inSlots(only))
        try store.restorePositions(only: only)
        for slot in slots { store.slotEpochs[slot] = epoch }
        logger.info("adopted the Redis state epoch", metadata: ["epoch": "\(epoch)", "slots": "\(slots.count)"])
    }
}
