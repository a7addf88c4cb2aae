import CRdKafka
import Synchronization

/// What a producer's delivery callback reaches through the instance opaque: the reports
/// gathered since `pollDeliveries` last took them.
final class ProducerContext: Sendable {
    private let reports = Mutex<[DeliveryReport]>([])

    func append(_ report: DeliveryReport) {
        reports.withLock { $0.append(report) }
    }

    var hasReports: Bool { reports.withLock { !$0.isEmpty } }

    func takeReports() -> [DeliveryReport] {
        reports.withLock { reports in
            defer { reports.removeAll(keepingCapacity: true) }
            return reports
        }
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
    context.append(DeliveryReport(message!))
}
