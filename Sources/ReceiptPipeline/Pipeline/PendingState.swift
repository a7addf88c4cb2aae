import ReceiptCore

/// State applied to Redis and not yet durable in PostgreSQL: the changes still
/// accumulating and the job the flusher is writing. Together with PostgreSQL they
/// are the complete state, which is what a Redis re-seed needs.
struct PendingState {
    var changes = StateChanges()
    /// `changes.estimatedBytes`, summed as batches join (a key changed by two
    /// batches counts twice, so it never underestimates).
    var changesBytes = 0
    var flushing: FlushJob?
    var nextJobID: UInt64 = 1

    /// Everything not yet durable, merged.
    var all: StateChanges {
        var merged = changes
        if let flushing { merged.merge(flushing.changes) }
        return merged
    }
}
