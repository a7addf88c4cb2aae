import ReceiptCore
import ReceiptKafka
import ReceiptRedis

/// Everything the worker needs to run. Plain values; the executable builds it from
/// flags and environment variables.
public struct WorkerConfiguration: Sendable {
    /// Kafka bootstrap servers, `host:port[,host:port]`.
    public var brokers: String
    /// The consumer group all replicas share. Default: `receiptd`.
    public var group: String = "receiptd"
    /// Default: `im.receipt.events`.
    public var eventsTopic: String = "im.receipt.events"
    /// Default: `im.receipt.notify`.
    public var notifyTopic: String = "im.receipt.notify"
    /// Default: `im.receipt.events.dlq`.
    public var deadLetterTopic: String = "im.receipt.events.dlq"
    /// librdkafka properties passed through to the consumer and the producer
    /// (`RECEIPTD_KAFKA_*`); they win over receiptd's own defaults.
    public var kafkaProperties: [String: String] = [:]
    public var redis: RedisEndpoint
    /// Seed nodes of a Redis Cluster (with `redis`'s password); empty for the single
    /// Redis at `redis`. On a cluster every check of Redis's state is made per slot.
    /// Default: empty.
    public var redisClusterNodes: [RedisEndpoint] = []
    /// A libpq connection URI.
    public var postgresURL: String
    /// Apply pending schema migrations at start; otherwise a schema that is not
    /// current stops the worker with "run receiptd migrate". Default: false.
    public var migrateAtStart = false

    /// Run against a Redis that may evict keys (a `maxmemory-policy` other than
    /// `noeviction` with a `maxmemory`, or one that hides its configuration). Evicted
    /// counters hand out seqs again. Default: false (refused: exit 2 at start,
    /// not ready after a reconnect).
    public var allowEvictingRedis = false
    /// Redis replicas that must hold each round trip's writes (`WAIT`) before the
    /// seqs it allocated and the watermarks it wrote are announced: a failover to
    /// any of them then loses nothing announced. Costs a replication round trip per
    /// round trip. 0: none. Default: 0 (on in the production profile of the README).
    public var redisReplicasToWait: Int = 0
    /// How long one `WAIT` waits; fewer replicas by then is retried with backoff
    /// (and shows in `/readyz` and `receiptd_redis_errors_total`). Default: 1,000 ms.
    public var redisReplicaWaitTimeoutMs: Int = 1_000
    /// The most records one batch takes: larger batches share each conversation's
    /// Redis commands among more events (BENCHMARKS.md has the sizes tried).
    /// Default: 10,000.
    public var maxBatchRecords: Int = 10_000
    /// How long one poll waits for the first record. Default: 100 ms.
    public var pollTimeoutMs: Int32 = 100
    /// Notifications produced and not yet acknowledged before the worker stops
    /// polling to let the broker catch up. Default: 100,000.
    public var maxInFlightNotifications: Int = 100_000
    /// Announce every repeat (a read, ack or private read that changes nothing) as a
    /// possible replay, as before replay horizons: for an operator who wants every
    /// state re-confirmed whatever the windows the README lists. Default: false
    /// (only repeats below the partition's replay horizon are announced).
    public var announceRepeats = false
    /// How often changed state and checkpoints are flushed to PostgreSQL (and the
    /// checkpoints then committed to Kafka). Default: 1,000 ms.
    public var flushIntervalMs: Int = 1_000
    /// Unflushed rows that trigger a flush before the interval is up. Default: 50,000.
    public var flushRowThreshold: Int = 50_000
    /// Unflushed rows at which consumption pauses until a flush succeeds: the bound
    /// on memory while PostgreSQL is slow or down. Default: 500,000.
    public var maxUnflushedRows: Int = 500_000
    /// Unflushed state, in bytes (IDs, marks, and a fixed cost per row:
    /// `StateChanges.estimatedBytes`), at which consumption pauses the same way; a
    /// tenth of it flushes before the interval is up. A few rows with long IDs or
    /// thousands of marks each weigh what they hold. The unflushed changes and the
    /// job being flushed can each reach it. Default: 64 MiB.
    public var maxUnflushedBytes: Int = 64 << 20
    /// The most marks one batch may read back from Redis, in bytes at
    /// `bytesPerMarkRead` a mark (hiredis' reply, receiptd's copy and the decoded
    /// seq). A batch whose marked users hold more is cut in two, and each part read
    /// on its own, down to single records: otherwise a batch of users with
    /// thousands of marks each is read whole into memory. Default: 32 MiB (262,144
    /// marks; an ordinary batch reads a few hundred).
    public var maxMarksReadBytes: Int = 32 << 20
    /// What one mark read back costs in memory while its batch is applied.
    public static let bytesPerMarkRead = 128
    /// `maxMarksReadBytes` as a number of marks.
    var marksReadBudget: Int { max(1, maxMarksReadBytes / Self.bytesPerMarkRead) }
    /// How long a revocation may take to flush and checkpoint before the partitions
    /// are let go (the next owner then replays from the last checkpoint).
    /// Default: 10,000 ms.
    public var revokeFlushTimeoutMs: Int = 10_000
    /// How long PostgreSQL keeps a clientMsgID's seq, to restore de-duplication
    /// after Redis lost its data. Default: 86,400 s.
    public var clientMessageTTLSeconds: Int = 86_400
    /// How many of a conversation's latest seqs keep their clientMsgID in Redis: a
    /// retry of one of them gets its seq again. Default: 10,000.
    public var clientMessageWindow: Int = 10_000
    public var decoder: EventDecoder.Configuration = .init()
    public var applier: BatchApplier.Configuration = .init()
    /// The `groupHasRead` window (default 1,000 ms) and readers per record (1,000).
    public var groupReads: GroupReadCoalescer.Configuration = .init()
    /// Wait before the first retry of a failed Redis or Kafka call; doubles up to
    /// `maxRetryBackoffMs`. Default: 100 ms.
    public var retryBackoffMs: Int = 100
    /// Default: 5,000 ms.
    public var maxRetryBackoffMs: Int = 5_000
    /// How long a stopping worker waits for the broker to acknowledge what it
    /// produced; what is still unacknowledged then stays uncommitted and is replayed.
    /// Default: 20,000 ms.
    public var shutdownDrainTimeoutMs: Int = 20_000

    public init(brokers: String, redis: RedisEndpoint, postgresURL: String) {
        self.brokers = brokers
        self.redis = redis
        self.postgresURL = postgresURL
    }

    /// What the batch pipeline's state machine needs of this.
    var pipeline: BatchPipelineState<RecordBatch, WorkerBatch>.Configuration {
        .init(pollTimeoutMs: pollTimeoutMs, flushIntervalMs: Int64(flushIntervalMs),
              flushRowThreshold: flushRowThreshold, maxUnflushedRows: maxUnflushedRows,
              maxUnflushedBytes: maxUnflushedBytes,
              maxInFlightNotifications: maxInFlightNotifications,
              revokeDrainTimeoutMs: Int64(revokeFlushTimeoutMs), stopDrainTimeoutMs: Int64(shutdownDrainTimeoutMs),
              groupReads: groupReadsFittingMessages)
    }

    /// `groupReads`, its records bounded to half the producer's message size.
    var groupReadsFittingMessages: GroupReadCoalescer.Configuration {
        var fitting = groupReads
        fitting.maxBytesPerNotification = min(fitting.maxBytesPerNotification, producerMessageMaxBytes / 2)
        return fitting
    }

    /// `applier`, a receipt's list of seqs bounded to half the producer's message
    /// size: a seq encodes in at most 20 bytes with its comma, and 2,048 bytes cover
    /// the rest of the record (IDs are at most 256 bytes). At librdkafka's default
    /// size the configured 10,000 seqs fit 2.5 times over; a smaller
    /// `message.max.bytes` lists fewer (the newest; the watermark covers the rest).
    var applierFittingMessages: BatchApplier.Configuration {
        var fitting = applier
        fitting.maxListedSeqs = max(1, min(fitting.maxListedSeqs, (producerMessageMaxBytes / 2 - 2_048) / 20))
        return fitting
    }

    /// The largest record the producer sends (`message.max.bytes`, librdkafka's
    /// default 1,000,000 unless an operator sets it): what a dead letter is cut to fit.
    var producerMessageMaxBytes: Int {
        producerProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    /// The consumer's librdkafka properties: receiptd's defaults, then the
    /// operator's pass-through properties on top.
    var consumerProperties: [String: String] {
        var properties = [
            "bootstrap.servers": brokers,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": "10000",
            "max.poll.interval.ms": "60000",
            "fetch.wait.max.ms": "20",
            // librdkafka's prefetch queue is a large part of the worker's memory: 4 MB
            // per consumer instead of the default 64 MB. A batch of 10,000 events is 1–3 MB
            // of payload, so 4 MB still holds the next batch (BENCHMARKS.md: 8 MB cost
            // peak RSS and gave no speed).
            "queued.max.messages.kbytes": "4096",
            // When that queue is full, librdkafka postpones the partition's next
            // fetch by this much (default 1,000 ms): with a small queue the worker
            // then drained it and sat idle (BENCHMARKS.md).
            "fetch.queue.backoff.ms": "10",
        ]
        properties.merge(kafkaProperties) { _, chosen in chosen }
        return properties
    }

    /// The producer's librdkafka properties.
    var producerProperties: [String: String] {
        var properties = [
            "bootstrap.servers": brokers,
            "linger.ms": "5",
            "batch.num.messages": "10000",
            "compression.type": "lz4",
        ]
        properties.merge(kafkaProperties.filter { !Self.consumerOnly.contains($0.key) }) { _, chosen in chosen }
        return properties
    }

    private static let consumerOnly: Set<String> = [
        "group.id", "session.timeout.ms", "max.poll.interval.ms", "auto.offset.reset", "fetch.wait.max.ms",
        "heartbeat.interval.ms", "partition.assignment.strategy", "group.instance.id", "fetch.min.bytes",
        "enable.auto.commit", "enable.auto.offset.store", "isolation.level", "queued.max.messages.kbytes",
        "fetch.queue.backoff.ms",
    ]
}
