import ReceiptCore
import ReceiptKafka

/// What the machine is configured with, what it hands out, and what it is told
/// about an applied batch.
extension BatchPipelineState {
    struct Configuration: Sendable {
        /// How long an idle poll waits for the first record.
        var pollTimeoutMs: Int32 = 100
        /// How often state and checkpoints are handed to the flusher.
        var flushIntervalMs: Int64 = 1_000
        /// Unflushed rows that hand off before the interval is up.
        var flushRowThreshold: Int = 50_000
        /// Unflushed rows at which consumption pauses.
        var maxUnflushedRows: Int = 500_000
        /// Unflushed bytes (`StateChanges.estimatedBytes`) at which consumption
        /// pauses; a tenth of it hands off before the interval is up.
        var maxUnflushedBytes: Int = 64 << 20
        /// Records produced and unacknowledged at which polling waits for the broker.
        var maxInFlightNotifications: Int = 100_000
        /// How often the status is reported (and Redis's sentinel looked at).
        var statusIntervalMs: Int64 = 1_000
        /// How long a drain waits for deliveries and flushes on a revocation.
        var revokeDrainTimeoutMs: Int64 = 10_000
        /// How long a drain waits on a stop.
        var stopDrainTimeoutMs: Int64 = 10_000
        var groupReads: GroupReadCoalescer.Configuration = .init()
    }

    /// What the worker does next.
    enum Action {
        /// Refresh the reported status (lag, readiness) and look at Redis's sentinel.
        case reportStatus
        /// Collect what the flusher reported (`flushed`, `flushFailed`).
        case collectFlushReports
        /// Give this job to the flusher (`flusherRefused` if it is busy after all).
        case handToFlusher(FlushJob)
        /// Record the checkpoints of a flushed job in Kafka as well, for lag tooling.
        case commit([TopicPartition: Int64])
        case pauseConsumption
        case resumeConsumption
        /// Produce these `groupHasRead` records, each with its ticket.
        case produceGroupReads([(notification: Notification, ticket: UInt64)])
        /// Serve delivery reports for up to this long (`delivered`).
        case awaitDeliveries(timeoutMs: Int32)
        /// Poll for records (`polled`); rebalance callbacks may run inside.
        case poll(timeoutMs: Int32)
        /// Decode these records (`decoded`), keeping only the partitions in `keeping`
        /// when it is set: records polled before a revocation in the same poll belong
        /// to the next owner.
        case decode(Records, keeping: Set<TopicPartition>?)
        /// Send the batch's Redis read without waiting for it (`readSent`).
        case sendRead(Batch)
        /// Collect the read's replies, apply the batch and send its write
        /// (`applied`, or `readAbandoned` when a stop came first).
        case collectRead(Batch)
        /// Collect the write's replies, writing again until it is stored
        /// (`writeConfirmed`, or `writeAbandoned` when a stop came first).
        case confirmWrite(Batch)
        /// Produce the batch's notifications and dead letters, with the tickets
        /// `tickets` in order (notifications first).
        case announce(Batch, tickets: Range<UInt64>)
        /// Bring Redis back to the complete state after it lost its data (`reseeded`, or
        /// `reseedAbandoned` when a stop came first). Nothing reads Redis before it.
        case reseed
        /// Wait up to this long for the flusher's job, then collect its reports.
        case awaitFlusher(timeoutMs: Int32)
        /// Cut this batch's records in two and give them back, then the records of
        /// the batch decoded after it (`cut(into:)`): its read was too large.
        case cut(Batch, following: Batch?)
        /// Decode this batch's records again, keeping only `keeping` (`decoded`):
        /// after a revocation, the revoked partitions' records go to the next owner.
        case narrow(Batch, keeping: Set<TopicPartition>)
        /// A revocation's drain is over; `complete` says whether everything
        /// applied became durable. The callback may return.
        case revocationDrained(complete: Bool)
        /// The stop's drain is over: leave the group and end.
        case stop(complete: Bool)
    }

    /// What applying a batch left for the later stages.
    struct AppliedSummary {
        /// The state the batch touched, flushed once its write is confirmed.
        var changes: StateChanges
        var groupReads: [GroupRead]
        /// Notifications and dead letters it will produce.
        var outgoingRecords: Int
    }
}
