import Synchronization

/// What the worker reports about itself, for `/healthz`, `/readyz` and metrics.
/// The worker thread writes it; HTTP handlers read snapshots. Thread-safe.
public final class WorkerStatus: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// The loop's last pass; a stale value means the loop is stuck or dead.
        public var lastLoop: ContinuousClock.Instant?
        /// The last Kafka poll succeeded.
        public var kafkaReady = false
        /// The last Redis round trip succeeded.
        public var redisReady = false
        /// Redis (since the last reconnect) may evict keys, and no operator allowed it.
        public var redisMayEvict = false
        /// The last PostgreSQL call (flush, checkpoint read) succeeded.
        public var postgresReady = false
        /// Consumption paused because the unflushed backlog hit its bound.
        public var paused = false
        /// When the last checkpoint was stored.
        public var lastCheckpoint: ContinuousClock.Instant?
        /// Partitions currently owned, with consumer lag (high watermark − next offset).
        public var lag: [Int32: Int64] = [:]
        /// The worker loop has ended (stopped or failed).
        public var stopped = false
        /// What Redis last acknowledged to the worker; nil until the worker found it
        /// whole. The query API answers from Redis only while Redis still holds it.
        public var redisAcknowledgement: RedisAcknowledgement?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }

    /// `snapshot.redisAcknowledgement`, without copying the rest.
    public var redisAcknowledgement: RedisAcknowledgement? { state.withLock { $0.redisAcknowledgement } }
}
