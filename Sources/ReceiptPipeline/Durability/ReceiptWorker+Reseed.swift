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
        if stateLost?.rollback == true { store.markRolledBack() }
        while !stop.isRequested {
            if let epoch = try store.currentEpoch(), epoch != store.epoch || stateLost == nil {
                try store.seed(machine.pending.all)
                try store.restorePositions()
                adopt(epoch)
                return true
            }
            let connection = try postgres.live()
            guard try ReseedLock.tryAcquire(on: connection) else {
                pause(ms: 200)
                continue
            }
            defer { try? ReseedLock.release(on: connection) }
            if let epoch = try store.currentEpoch(), epoch != store.epoch { continue }
            let started = ContinuousClock.now
            logger.warning("Redis does not hold the complete state: re-seeding it from PostgreSQL")
            var conversations = 0
            var rows = 0
            var cursor = StateSeed.Cursor()
            // Pages bounded in rows and in marks or messages: a huge group or
            // members with 10,000 marks each come over many pages (StateSeed.nextPage).
            while !cursor.isDone && !stop.isRequested {
                let page = try StateSeed.nextPage(
                    &cursor, rows: 5_000, weight: 200_000,
                    clientMessagesNewerThanSeconds: configuration.clientMessageTTLSeconds, on: connection)
                try store.seed(page)
                conversations += page.maxSeqs.count
                rows += page.rowCount
            }
            guard !stop.isRequested else { return false }
            try store.seed(machine.pending.all)
            try store.restorePositions(
                Checkpoints.marks(group: configuration.group, on: connection),
                slots: configuration.redisClusterNodes.isEmpty
                    ? [:] : Checkpoints.slotPositions(group: configuration.group, on: connection))
            let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 36)
            try store.setSentinel(epoch)
            adopt(epoch)
            metrics.redisReseeds.increment()
            metrics.reseededConversations.increment(by: Int64(conversations))
            logger.notice("Redis re-seeded from PostgreSQL", metadata: [
                "conversations": "\(conversations)", "rows": "\(rows)", "seconds": "\(ContinuousClock.now - started)"])
            return true
        }
        return false
    }

    /// Counts and logs a loss of Redis state the moment it is noticed (once until
    /// Redis is whole again); the machine then has it re-seeded.
    func noteStateLost(_ lost: RedisStateLost) {
        metrics.stateLosses[lost.trigger]?.increment()
        if stateLost == nil {
            logger.error("\(lost); holding allocation until Redis holds the complete state again",
                         metadata: ["trigger": "\(lost.trigger.rawValue)"])
            stateLost = (ContinuousClock.now, lost.isRollback)
        } else if lost.isRollback {
            stateLost?.rollback = true
        }
    }

    private func adopt(_ epoch: String) {
        if store.epoch != epoch {
            logger.info("adopted the Redis state epoch", metadata: ["epoch": "\(epoch)"])
        }
        store.epoch = epoch
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
