import ReceiptCore
import ReceiptKafka

/// A refused record on its way to the dead-letter topic: unchanged key and value,
/// with headers saying what was wrong and where it came from.
enum DeadLetter {
    static let errorHeader = "x-receiptd-error"
    static let reasonHeader = "x-receiptd-reason"
    static let sourceHeader = "x-receiptd-source"

    /// The dead letter of record `index` of `records`.
    static func record(for index: Int, of records: RecordBatch, rejection: Rejection, topic: String) -> OutgoingRecord {
        let source = records.record(at: index)
        return OutgoingRecord(
            topic: topic, key: source.key, value: source.value,
            headers: [
                KafkaHeader(name: errorHeader, value: Array(rejection.code.rawValue.utf8)),
                KafkaHeader(name: reasonHeader, value: Array(rejection.reason.utf8)),
                KafkaHeader(name: sourceHeader, value: Array("\(source.topic)/\(source.partition)/\(source.offset)".utf8)),
            ])
    }
}
