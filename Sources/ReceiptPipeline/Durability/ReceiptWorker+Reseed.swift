import Logging
import ReceiptCore
import ReceiptPostgres
import ReceiptRedis

extension ReceiptWorker {
    /// Phase one of a batch, with Redis data loss handled: when the sentinel says
    /// Redis lost its state, nothing is read or allocated until Redis is re-seeded.
    /// Returns nil when a stop is requested first.
    ///
    /// `meanwhile` runs once while Redis works on the reads (it must not use Redis):
    /// the reads are sent first and collected after it.
    func readState(
        _ prepared: RedisStateStore.PreparedRead, meanwhile: () -> Void = {}
    ) -> [String: ConversationSnapshot]? {
        let queries = prepared.queries
        let trimBelow = prepared.trimBelow
        var inFlight: RedisStateStore.PendingRead?
        do {
            inFlight = try store.beginRead(prepared)
        } catch {
            noteFailedRead(error)
        }
        meanwhile()
        if let inFlight {
            do {
                return try store.finishRead(inFlight)
            } catch {
                noteFailedRead(error)
            }
        }
        return retrying("reading state from Redis") {
            do {
                return try store.read(queries, trimBelow: trimBelow)
            } catch is RedisStateLost {
                guard try recoverRedisState() else { throw StopRequested() }
                return try store.read(queries, trimBelow: trimBelow)
            }
        }
    }

    /// A failed overlapped read is retried by `retrying`; lost state is not an error.
    private func noteFailedRead(_ error: any Error) {
        guard !(error is RedisStateLost) else { return }
        // A read sent behind a failed write was given up on purpose (`confirmWrite`).
        if let error = error as? RedisError, error.isAbandonment { return }
        metrics.redisErrors.increment()
        logger.warning("reading state from Redis failed; retrying", metadata: ["error": "\(error)"])
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
                try store.seed(pending.all)
                adopt(epoch)
                return true
            }
            let connection = try durableConnection()
            guard try ReseedLock.tryAcquire(on: connection) else {
                pause(ms: 200)
                continue
            }
            defer { try? ReseedLock.release(on: connection) }
            if try store.currentSentinel() != nil { continue }
            let started = ContinuousClock.now
            logger.warning("Redis lost its data: re-seeding it from PostgreSQL")
            var conversations = 0
            var after: String?
            repeat {
                let page = try StateSeed.page(
                    after: after, limit: 2_000,
                    clientMessagesNewerThanSeconds: configuration.clientMessageTTLSeconds, on: connection)
                try store.seed(StateChanges(page.records))
                conversations += page.records.count
                after = page.last
            } while after != nil && !stop.isRequested
            guard !stop.isRequested else { return false }
            try store.seed(pending.all)
            let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 36)
            try store.setSentinel(epoch)
            adopt(epoch)
            metrics.redisReseeds.increment()
            logger.notice("Redis re-seeded from PostgreSQL", metadata: [
                "conversations": "\(conversations)", "seconds": "\(ContinuousClock.now - started)"])
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

extension StateChanges {
    /// The stored state of whole conversations, as changes to seed.
    init(_ records: [String: ConversationRecord]) {
        self.init()
        for (cid, record) in records {
            recordMaxSeq(cid, record.maxSeq)
            for (user, state) in record.reads { recordRead(ConversationUser(cid, user), state) }
            for (user, state) in record.deliveries { recordDelivery(ConversationUser(cid, user), state) }
            for (clientMsgID, seq) in record.clientMessages {
                recordClientMessage(ClientMessage(cid, clientMsgID), seq: seq)
            }
        }
    }
}
