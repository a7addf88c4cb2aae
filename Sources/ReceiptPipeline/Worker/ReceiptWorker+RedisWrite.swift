import Logging
import ReceiptCore

extension ReceiptWorker {
    /// Collects the replies of the write in flight and adds its changes to the
    /// unflushed state. When the write failed, the connection it used is abandoned
    /// (a read sent behind it is then re-run after the write, never used stale) and
    /// the write is sent again until it succeeds. Returns false when a stop was
    /// requested first: the applied batch is then dropped unannounced, uncommitted.
    /// Anything else that uses the store calls this first.
    @discardableResult
    func confirmWrite() -> Bool {
        guard let write = writeInFlight else { return true }
        writeInFlight = nil
        var written = false
        if let sent = write.sent {
            do {
                try store.finishWrite(sent)
                written = true
            } catch {
                metrics.redisErrors.increment()
                logger.warning("writing state to Redis failed; retrying", metadata: ["error": "\(error)"])
                store.abandonConnection("the write before it failed")
            }
        }
        if !written {
            guard retrying("writing state to Redis", {
                try store.write(write.outcome.watermarkWrites, write.outcome.markedWrites)
            }) != nil else {
                applied = nil
                droppedABatch = true
                return false
            }
        }
        status.update { $0.redisReady = true }
        pending.changes.merge(write.outcome.changes)
        return true
    }
}

/// The write pipeline of the batch applied last, until `confirmWrite()`.
struct WriteInFlight {
    /// nil when sending failed (or there was nothing to write).
    let sent: RedisStateStore.PendingWrite?
    let outcome: BatchOutcome
}
