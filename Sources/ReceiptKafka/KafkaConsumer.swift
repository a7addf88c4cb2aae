import CRdKafka
import Synchronization

/// A consumer-group member subscribed to a fixed set of topics.
///
/// Every method blocks: call them from the caller's own dedicated thread, never from
/// Swift's cooperative pool. Rebalance handler closures run inside `poll` and `close`.
/// Offsets are never committed automatically: `enable.auto.commit` and
/// `enable.auto.offset.store` are forced to `false`; the caller commits with `commit`.
public final class KafkaConsumer: Sendable {
    let client: KafkaClient
    private let context: ConsumerContext
    private let isClosed = Mutex(false)
    private let readsHeaders: Bool

    private init(client: KafkaClient, context: ConsumerContext, readsHeaders: Bool) {
        self.client = client
        self.context = context
        self.readsHeaders = readsHeaders
    }

    static let forcedProperties = ["enable.auto.commit": "false", "enable.auto.offset.store": "false"]

    /// Creates the consumer and subscribes it to `topics`; `group.id` must be set.
    /// The group is joined during the first `poll` calls. With no topics there is no
    /// subscription: such a consumer can only read and commit offsets.
    ///
    /// With `readsHeaders` false, records come without their headers, for a caller that
    /// never reads them: librdkafka parses each record's headers into a buffer of their
    /// own, a cost measurable at max rate (BENCHMARKS.md).
    public static func make(
        configuration: KafkaConfiguration, topics: [String], rebalance: RebalanceHandler, readsHeaders: Bool = true
    ) throws(KafkaError) -> KafkaConsumer {
        let context = ConsumerContext(handler: rebalance)
        let client = try KafkaClient.make(
            RD_KAFKA_CONSUMER,
            properties: configuration.resolvedProperties(forced: forcedProperties),
            callbackContext: context
        ) { conf in rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback) }
        try client.check(rd_kafka_poll_set_consumer(client.handle))
        let subscription = topics.map { (TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), offset: noOffset) }
        if !subscription.isEmpty {
            try withPartitionList(subscription) { (list) throws(KafkaError) in
                try client.check(rd_kafka_subscribe(client.handle, list))
            }
        }
        return KafkaConsumer(client: client, context: context, readsHeaders: readsHeaders)
    }

    /// Waits up to `timeoutMs` for the first record, then returns it together with those
    /// already fetched, up to `maxRecords`; empty on timeout. Partition-EOF events are
    /// skipped. A consumer error is thrown; if records came before it, they are returned
    /// first and the error is thrown by the next call, so no record is lost.
    public func poll(maxRecords: Int, timeoutMs: Int32) throws(KafkaError) -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        try pollMessages(maxRecords: maxRecords, timeoutMs: timeoutMs, taken: { records.count }) { message, topic in
            records.append(KafkaRecord(copying: message, topic: topic, readingHeaders: readsHeaders))
        }
        return records
    }

    /// `poll` for a caller that does not read headers and wants the records in one
    /// `RecordBatch`: a few allocations per poll instead of two per record.
    public func pollBatch(maxRecords: Int, timeoutMs: Int32) throws(KafkaError) -> RecordBatch {
        var batch = RecordBatch()
        try pollBatch(maxRecords: maxRecords, timeoutMs: timeoutMs, into: &batch)
        return batch
    }

    /// `pollBatch` into a batch the caller hands back once done with it: `batch` is
    /// emptied, keeping its storage, then filled. A consumer that recycles its batches
    /// allocates nothing per poll once they have grown; fresh memory for every poll
    /// was most of the worker's page faults.
    public func pollBatch(maxRecords: Int, timeoutMs: Int32, into batch: inout RecordBatch) throws(KafkaError) {
        batch.removeAll()
        try pollMessages(maxRecords: maxRecords, timeoutMs: timeoutMs, taken: { batch.count }) { message, topic in
            batch.append(copying: message, topic: topic)
        }
    }

    /// The loop of both polls: `take` copies each record out (with its topic's name),
    /// `taken` says how many it has.
    private func pollMessages(maxRecords: Int, timeoutMs: Int32, taken: () -> Int,
                              _ take: (ConsumedMessage, String) -> Void) throws(KafkaError) {
        precondition(maxRecords > 0, "poll needs room for at least one record")
        guard !isClosed.withLock({ $0 }) else { throw .local(.closed, "poll called after close") }
        if let error = context.takePendingError() { throw error }

        let deadline = Deadline(afterMs: timeoutMs)
        var topicNames = TopicNames()
        while taken() < maxRecords,
              let message = rd_kafka_consumer_poll(client.handle, taken() == 0 ? deadline.remainingMs : 0) {
            defer { rd_kafka_message_destroy(message) }
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
            if let error = consumerError(err, message) {
                guard taken() == 0 else { context.keep(error); break }
                throw error
            }
            take(message, topicNames.name(of: message.pointee.rkt))
        }
        if taken() == 0, let error = context.takePendingError() { throw error }
    }

    /// Leaves the group: the handler's `onRevoke` runs for the current assignment, then
    /// the consumer stops. Idempotent. Only `poll` is refused afterwards.
    public func close() throws(KafkaError) {
        let wasClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        try client.check(rd_kafka_consumer_close(client.handle))
    }

    /// The error a consumed message carries. Its payload holds librdkafka's error text.
    private func consumerError(_ err: rd_kafka_resp_err_t, _ message: ConsumedMessage) -> KafkaError? {
        guard var error = client.error(err) else { return nil }
        if !error.isFatal, let text = rd_kafka_message_errstr(message) { error.message = String(cString: text) }
        return error
    }
}
