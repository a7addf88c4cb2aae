import ReceiptCore

/// State applied to Redis and not yet durable in PostgreSQL: the changes still
/// accumulating and the job the flusher is writing. Together with PostgreSQL they
/// are the complete state, which is what a Redis re-seed needs.
///
/// Plus what was flushed since Redis last passed a writer check (`settling`):
/// another replica re-seeding Redis may have read PostgreSQL before that flush
/// committed, and this replica, adding its own state to the rebuilt Redis, must
/// add it too (it is in neither that scan nor the unflushed changes).
struct PendingState {
    var changes = StateChanges()
    /// `changes.estimatedBytes`, summed as batches join (a key changed by two
    /// batches counts twice, so it never underestimates).
    var changesBytes = 0
    var flushing: FlushJob?
    var nextJobID: UInt64 = 1
    /// Flushed since the last writer check Redis passed (see above); bounded by
    /// what one status interval flushes.
    var settling = StateChanges()

    /// Everything a re-seed must add: not yet durable, or durable too recently.
    var all: StateChanges {
        var merged = changes
        if let flushing { merged.merge(flushing.changes) }
        if !settling.isEmpty { merged.merge(settling) }
        return merged
    }
}
