import Metrics
import ReceiptCore

/// The worker's metrics. Labels are bounded: event type, notification type, error
/// code, never a user, conversation or event ID.
struct PipelineMetrics {
    let consumed: [EventType: Counter]
    let superseded: [EventType: Counter]
    /// Events that repeated the stored state and could not be replays: not announced.
    let unchanged: [EventType: Counter]
    let rejected: [Rejection.Code: Counter]
    let notifications: [NotificationType: Counter]
    let deadLetters = Counter(label: "receiptd_dead_letters_total")
    /// Dead letters Kafka refused as too large, sent again truncated.
    let deadLettersTruncated = Counter(label: "receiptd_dead_letters_truncated_total")
    let deliveryFailures = Counter(label: "receiptd_notification_failures_total")
    let redisErrors = Counter(label: "receiptd_redis_errors_total")
    /// Batches cut in two because their marked users held more marks than one
    /// batch may read back (`--max-marks-read-mib`).
    let batchesCut = Counter(label: "receiptd_batches_cut_total")
    let kafkaErrors = Counter(label: "receiptd_kafka_errors_total")
    let batchRecords = Recorder(label: "receiptd_batch_records")
    let batchSeconds = Timer(label: "receiptd_batch_duration_seconds")
    /// From each record's Kafka timestamp (when the gateway produced it) to the
    /// moment its effects were stored and its notifications handed to the producer.
    let applyLatency = Timer(label: "receiptd_apply_latency_seconds")
    let commitsFailed = Counter(label: "receiptd_commit_failures_total")
    let flushRows = Recorder(label: "receiptd_flush_rows")
    let flushSeconds = Timer(label: "receiptd_flush_duration_seconds")
    let postgresErrors = Counter(label: "receiptd_postgres_errors_total")
    let redisReseeds = Counter(label: "receiptd_redis_reseeds_total")
    /// Conversations written back into Redis by re-seeds from PostgreSQL.
    let reseededConversations = Counter(label: "receiptd_redis_reseeded_conversations_total")
    /// From noticing that Redis lost or rolled back its data to holding the complete
    /// state again: how long allocation was held.
    let recoverySeconds = Timer(label: "receiptd_redis_recovery_duration_seconds")
    /// Redis found lost, rolled back or missing a counter, by how it was noticed.
    let stateLosses: [RedisStateLost.Trigger: Counter] = Dictionary(uniqueKeysWithValues: RedisStateLost.Trigger.allCases.map {
        ($0, Counter(label: "receiptd_redis_state_losses_total", dimensions: [("trigger", $0.rawValue)]))
    })

    init() {
        consumed = Dictionary(uniqueKeysWithValues: EventType.allCases.map {
            ($0, Counter(label: "receiptd_events_applied_total", dimensions: [("type", $0.rawValue)]))
        })
        superseded = Dictionary(uniqueKeysWithValues: EventType.allCases.map {
            ($0, Counter(label: "receiptd_events_superseded_total", dimensions: [("type", $0.rawValue)]))
        })
        unchanged = Dictionary(uniqueKeysWithValues: EventType.allCases.map {
            ($0, Counter(label: "receiptd_events_unchanged_total", dimensions: [("type", $0.rawValue)]))
        })
        rejected = Dictionary(uniqueKeysWithValues: Rejection.Code.allCases.map {
            ($0, Counter(label: "receiptd_events_rejected_total", dimensions: [("code", $0.rawValue)]))
        })
        notifications = Dictionary(uniqueKeysWithValues: NotificationType.allCases.map {
            ($0, Counter(label: "receiptd_notifications_produced_total", dimensions: [("type", $0.rawValue)]))
        })
    }
}
