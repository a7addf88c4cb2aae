import CRdKafka

/// An asynchronous producer: `send` enqueues, `pollDeliveries` reports the outcomes.
///
/// Every method blocks (at most for its timeout): call them from the caller's own
/// dedicated thread, never from Swift's cooperative pool. Releasing the producer drops
/// records not yet delivered; `flush` first.
public final class KafkaProducer: Sendable {
    let client: KafkaClient
    private let context: ProducerContext
    private let enqueueTimeoutMs: Int32
    let topics: TopicHandles

    private init(client: KafkaClient, context: ProducerContext, enqueueTimeoutMs: Int32) {
        self.client = client
        self.context = context
        self.enqueueTimeoutMs = enqueueTimeoutMs
        self.topics = TopicHandles()
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

    deinit {
        topics.destroyAll()  // before the client (and its rd_kafka_t) goes
    }

    /// Enqueues `record` without waiting for delivery; its `DeliveryReport` carries
    /// `ticket` (which must be at least 1). While the local queue is full, serves delivery
    /// reports to make room, for up to the configured enqueue timeout, then throws `queueFull`.
    public func send(_ record: OutgoingRecord, ticket: UInt64) throws(KafkaError) {
        precondition(ticket >= 1, "send tickets start at 1")
        let headers = makeHeaderList(record.headers)
        var headersAreOurs = headers != nil  // until a successful produce takes them
        defer { if headersAreOurs { rd_kafka_headers_destroy(headers) } }
        try whileQueueIsFull {
            record.value.withUnsafeBytes { value in
                withOptionalBytes(record.key) { key in
                    enqueue(topic: record.topic, key: key, value: value, ticket: ticket, headers: headers)
                }
            }
        }
        headersAreOurs = false
    }

    /// `send` for a record without headers whose key is a string: the hot path of a
    /// caller that encodes every value into one reused buffer. Nothing is copied on the
    /// way to librdkafka, which copies key and value before this returns.
    public func send(topic: String, key: String, value: [UInt8], ticket: UInt64) throws(KafkaError) {
        precondition(ticket >= 1, "send tickets start at 1")
        var key = key  // a native string's bytes are borrowed, not copied
        try whileQueueIsFull {
            key.withUTF8 { key in
                value.withUnsafeBytes { value in
                    enqueue(topic: topic, key: UnsafeRawBufferPointer(key), value: value, ticket: ticket, headers: nil)
                }
            }
        }
    }

    /// Runs `attempt` until it enqueues; while the local queue is full, serves delivery
    /// reports to make room, for up to the enqueue timeout. The common path reads no clock.
    private func whileQueueIsFull(_ attempt: () -> KafkaError?) throws(KafkaError) {
        var deadline: Deadline?
        while var error = attempt() {
            guard error.code == .queueFull else { throw error }
            guard waitedForRoom(within: &deadline) else {
                error.message = queueStayedFull
                throw error
            }
        }
    }

    /// One wait for room in the full local queue: serves delivery reports for up to
    /// 10 ms, within `deadline`, which the first wait starts (the enqueue timeout).
    /// Returns false, without waiting, once the deadline has passed.
    func waitedForRoom(within deadline: inout Deadline?) -> Bool {
        if deadline == nil { deadline = Deadline(afterMs: enqueueTimeoutMs) }
        guard let deadline, !deadline.hasPassed else { return false }
        rd_kafka_poll(client.handle, min(deadline.remainingMs, 10))
        return true
    }

    /// The message of the error for a queue that stayed full past the enqueue timeout.
    var queueStayedFull: String { "the local producer queue stayed full for \(enqueueTimeoutMs) ms" }

    /// Serves delivery callbacks, waiting up to `timeoutMs` if none are ready yet, and
    /// returns every report gathered since the previous call.
    public func pollDeliveries(timeoutMs: Int32) -> [DeliveryReport] {
        var deliveries = Deliveries()
        pollDeliveries(timeoutMs: timeoutMs, into: &deliveries)
        return deliveries.acknowledged.map {
            DeliveryReport(ticket: $0.ticket, error: nil, partition: $0.partition, offset: $0.offset)
        } + deliveries.failed
    }

    /// `pollDeliveries` for a caller that reuses one `Deliveries`: it is emptied and
    /// filled with what was gathered since the previous call, and a written record
    /// costs no report of its own, only its `Acknowledgement`.
    public func pollDeliveries(timeoutMs: Int32, into deliveries: inout Deliveries) {
        rd_kafka_poll(client.handle, context.hasReports ? 0 : timeoutMs)
        context.take(into: &deliveries)
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

    /// One `rd_kafka_produceva` attempt; librdkafka copies key and value. By topic
    /// handle, or by name when librdkafka refused to make a handle (the produce then
    /// fails with librdkafka's own error for that name).
    private func enqueue(topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, ticket: UInt64,
                         headers: OpaquePointer?) -> KafkaError? {
        guard let handle = topics.handle(for: topic, on: client.handle) else {
            return topic.withCString { name in
                produce(.topic(name), key: key, value: value, ticket: ticket, headers: headers)
            }
        }
        return produce(.topic(handle: handle), key: key, value: value, ticket: ticket, headers: headers)
    }

    private func produce(_ topic: rd_kafka_vu_t, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer,
                         ticket: UInt64, headers: OpaquePointer?) -> KafkaError? {
        // On the stack: no allocation per record.
        withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 6) { fields in
            let base = fields.baseAddress!
            base.initialize(to: topic)
            (base + 1).initialize(to: .key(key))
            (base + 2).initialize(to: .value(value))
            (base + 3).initialize(to: .ticket(ticket))
            (base + 4).initialize(to: .copyPayload)
            var count = 5
            if let headers {
                (base + 5).initialize(to: .headers(headers))
                count = 6
            }
            return rd_kafka_produceva(client.handle, base, count).map(KafkaError.init(consuming:))
        }
    }
}
