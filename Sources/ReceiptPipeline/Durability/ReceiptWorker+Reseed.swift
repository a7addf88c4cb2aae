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
        status.update { $0.redisReady = done }
        return done
    }

    /// Brings Redis back to the complete state after it lost its data: everything
    /// stored in PostgreSQL plus what this worker applied and has not yet flushed.
    ///
    /// One replica (holding an advisory lock) loads every conversation from
    /// PostgreSQL and then writes a fresh epoch into the sentinel; the others wait
    /// for the sentinel to reappear. Each replica then adds its own unflushed state,
    /// which only it knows. Seeding never lowers a value, so racing writers and a
    /// repeated seed are harmless. Returns false when a stop is requested first.
    func recoverRedisState() throws -> Bool {
        while !stop.isRequested {
            if let epoch = try store.currentSentinel() {
                try store.seed(machine.pending.all)
                adopt(epoch)
                return true
            }
            let connection = try postgres.live()
            guard try ReseedLock.tryAcquire(on: connection) else {
                pause(ms: 200)
                continue
            }
            defer { try? ReseedLock.release(on: connection) }
            if try store.currentSentinel() != nil { continue }
            let started = ContinuousClock.now
            logger.warning("Redis lost its data: re-seeding it from PostgreSQL")
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
            let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 36)
            try store.setSentinel(epoch)
            adopt(epoch)
            metrics.redisReseeds.increment()
            logger.notice("Redis re-seeded from PostgreSQL", metadata: [
                "conversations": "\(conversations)", "rows": "\(rows)", "seconds": "\(ContinuousClock.now - started)"])
            return true
        }
        return false
    }

    private func adopt(_ epoch: String) {
        if store.epoch != epoch {
            logger.info("adopted the Redis state epoch", metadata: ["epoch": "\(epoch)"])
        }
        store.epoch = epoch
    }
}

/// A stop was requested while waiting; the batch in hand is abandoned uncommitted.
struct StopRequested: Error {}
