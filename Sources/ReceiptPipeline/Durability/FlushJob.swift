import ReceiptCore
import ReceiptKafka
import ReceiptPostgres

/// One flush: the state changed since the previous flush and the checkpoints it
/// makes durable. Invariant: every checkpoint covers only records whose state is in
/// these changes or in an earlier flush, and whose notifications the broker has
/// acknowledged. State beyond the checkpoints is harmless: replay is idempotent.
struct FlushJob: Sendable {
    let id: UInt64
    let changes: StateChanges
    /// Next offset to consume, per partition.
    let checkpoints: [TopicPartition: Int64]
    /// Per partition, the offset after the last record whose state this worker wrote
    /// to Redis, all of it in `changes` or an earlier job: stored as its replay horizon.
    var replayHorizons: [TopicPartition: Int64] = [:]
    /// The worker's Redis writer and its acknowledged position when it handed the
    /// job over (every change in it was written to Redis before), stored with the
    /// checkpoints; set by the worker, which owns the Redis connection.
    var mark: CheckpointMark?
    /// On a Redis Cluster, the mark's per-slot part: the slots whose position moved
    /// since the previous job (every slot after a takeover), stored with it.
    var slotPositions: SlotPositions?
}

/// What the flusher reports back to the worker thread.
enum FlushReport: Sendable {
    /// The job is durable; its checkpoints may now be committed to Kafka too.
    case flushed(FlushJob, rows: Int, duration: Duration)
    /// An attempt failed; the flusher keeps retrying the same job until a stop.
    /// `permanent`: PostgreSQL refused it in a way no retry can fix
    /// (`PostgresError.isPermanent`), and the worker stops.
    case failed(jobID: UInt64, error: String, permanent: Bool)
}
