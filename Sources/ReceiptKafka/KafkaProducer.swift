import CRdKafka

/// An asynchronous producer: `send` enqueues, `pollDeliveries` reports the outcomes.
///
/// Every method blocks (at most for its timeout): call them from the caller's own
/// dedicated thread, never from Swift's cooperative pool. Releasing the producer drops
/// records not yet delivered; `flush` first.
public final class KafkaProducer: Sendable {
    private let client: KafkaClient
    private let context: ProducerContext
    private let enqueueTimeoutMs: Int32

    private init(client: KafkaClient, context: ProducerContext, enqueueTimeoutMs: Int32) {
        self.client = client
        self.context = context
        self.enqueueTimeoutMs = enqueueTimeoutMs
    }

    /// Defaults under the caller's properties: small batching delay for throughput at low
    /// latency, and idempotence so retries cannot duplicate or reorder records.
    static let defaultProperties = ["linger.ms": "5", "enable.idempotence": "true"]

    public static func make(configuration: KafkaConfiguration) throws(KafkaError) -> KafkaProducer {
        let context = ProducerContext()
        let client = try KafkaClient.make(
            RD_KAFKA_PRODUCER,
            properties: configuration.resolvedProperties(defaults: defaultProperties),
            callbackContext: context
        ) { conf in rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback) }
        return KafkaProducer(client: client, context: context, enqueueTimeoutMs: configuration.enqueueTimeoutMs)
    }

    /// Enqueues `record` without waiting for delivery; its `DeliveryReport` carries
    /// `ticket` (which must be at least 1). While the local queue is full, serves delivery
    /// reports to make room, for up to the configured enqueue timeout, then throws `queueFull`.
    public func send(_ record: OutgoingRecord, ticket: UInt64) throws(KafkaError) {
        precondition(ticket >= 1, "send tickets start at 1")
        let headers = makeHeaderList(record.headers)
        var headersAreOurs = headers != nil  // until a successful produce takes them
        defer { if headersAreOurs { rd_kafka_headers_destroy(headers) } }

        var deadline: Deadline?  // started at the first full queue: the common path reads no clock
        while var error = enqueue(record, ticket: ticket, headers: headers) {
            guard error.code == .queueFull else { throw error }
            if deadline == nil { deadline = Deadline(afterMs: enqueueTimeoutMs) }
            guard let deadline, !deadline.hasPassed else {
                error.message = "the local producer queue stayed full for \(enqueueTimeoutMs) ms"
                throw error
            }
            rd_kafka_poll(client.handle, min(deadline.remainingMs, 10))
        }
        headersAreOurs = false
    }

    /// Serves delivery callbacks, waiting up to `timeoutMs` if none are ready yet, and
    /// returns every report gathered since the previous call.
    public func pollDeliveries(timeoutMs: Int32) -> [DeliveryReport] {
        rd_kafka_poll(client.handle, context.hasReports ? 0 : timeoutMs)
        return context.takeReports()
    }

    /// Waits until every enqueued record is delivered or failed, serving delivery
    /// callbacks (collect them with `pollDeliveries`); throws `timedOut` if some remain.
    public func flush(timeoutMs: Int32) throws(KafkaError) {
        guard var error = client.error(rd_kafka_flush(client.handle, timeoutMs)) else { return }
        if error.code == .timedOut {
            error.message = "flush timed out with \(rd_kafka_outq_len(client.handle)) records or requests outstanding"
        }
        throw error
    }

    /// One `rd_kafka_produceva` attempt; the key and value are copied by librdkafka.
    private func enqueue(_ record: OutgoingRecord, ticket: UInt64, headers: OpaquePointer?) -> KafkaError? {
        record.topic.withCString { topic in
            record.value.withUnsafeBytes { value in
                withOptionalBytes(record.key) { key in
                    var fields: [rd_kafka_vu_t] = [.topic(topic), .key(key), .value(value), .ticket(ticket), .copyPayload]
                    if let headers { fields.append(.headers(headers)) }
                    return rd_kafka_produceva(client.handle, fields, fields.count).map(KafkaError.init(consuming:))
                }
            }
        }
    }
}
