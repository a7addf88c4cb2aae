import CRdKafka
import Synchronization

/// What a producer's delivery callback reaches through the instance opaque: the
/// deliveries gathered since `pollDeliveries` last took them.
final class ProducerContext: Sendable {
    private let gathered = Mutex(Deliveries())

    func append(_ acknowledgement: Acknowledgement) {
        gathered.withLock { $0.acknowledged.append(acknowledgement) }
    }

    func append(_ failure: DeliveryReport) {
        gathered.withLock { $0.failed.append(failure) }
    }

    var hasReports: Bool { gathered.withLock { !$0.isEmpty } }

    /// Hands the gathered deliveries over in `deliveries` and keeps its emptied
    /// storage for the next ones: once both have grown, taking allocates nothing.
    func take(into deliveries: inout Deliveries) {
        deliveries.removeAll()
        gathered.withLock { swap(&$0, &deliveries) }
    }
}

extension DeliveryReport {
    /// Reads a delivery-report message: its per-message opaque is the send ticket.
    /// A failed one also carries a copy of the record, for sending it again.
    init(_ message: UnsafePointer<rd_kafka_message_t>) {
        let fields = message.pointee
        let error = KafkaError(fields.err)
        self.init(
            ticket: UInt64(UInt(bitPattern: fields._private)),
            error: error,
            partition: fields.partition,
            offset: fields.offset,
            failedRecord: error == nil ? nil : OutgoingRecord(
                topic: String(cString: rd_kafka_topic_name(fields.rkt)),
                key: fields.key.map { copyBytes($0, fields.key_len) },
                value: copyBytes(fields.payload, fields.len),
                headers: copyHeaders(of: message))
        )
    }
}

/// librdkafka's delivery-report callback, run inside `rd_kafka_poll`/`rd_kafka_flush` on
/// the calling thread; `opaque` is the producer's `ProducerContext`.
let deliveryReportCallback: @convention(c) (
    OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
) -> Void = { _, message, opaque in
    let context = Unmanaged<ProducerContext>.fromOpaque(opaque!).takeUnretainedValue()
    let fields = message!.pointee
    if fields.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        // The common case copies three numbers: no Swift object is made or counted.
        context.append(Acknowledgement(ticket: UInt64(UInt(bitPattern: fields._private)),
                                       partition: fields.partition, offset: fields.offset))
    } else {
        context.append(DeliveryReport(message!))
    }
}
