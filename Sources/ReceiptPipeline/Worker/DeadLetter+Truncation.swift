import ReceiptKafka

extension DeadLetter {
    static let truncatedHeader = "x-receiptd-truncated"
    static let originalSizeHeader = "x-receiptd-original-size"

    /// A dead letter Kafka refused as too large, cut so that it fits in `maxBytes`
    /// (the producer's `message.max.bytes`): the value keeps its first bytes, a key
    /// over 1 KiB its first KiB, and headers say what was cut and the value's
    /// original size. Never dropped: a dead letter is how bad input is found. nil
    /// when it is cut already (nothing smaller is left to try).
    static func truncated(_ letter: OutgoingRecord, toFit maxBytes: Int) -> OutgoingRecord? {
        guard !letter.headers.contains(where: { $0.name == truncatedHeader }) else { return nil }
        var cut: [String] = []
        var key = letter.key
        if let whole = key, whole.count > 1_024 {
            key = Array(whole.prefix(1_024))
            cut.append("key")
        }
        let headerBytes = letter.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count } + 128
        // Half the limit: room for the record's framing, compression aside.
        let room = max(0, maxBytes / 2 - headerBytes - (key?.count ?? 0))
        var value = letter.value
        if value.count > room {
            value = Array(value.prefix(room))
            cut.append("value")
        }
        if cut.isEmpty { cut.append("nothing") }
        return OutgoingRecord(
            topic: letter.topic, key: key, value: value,
            headers: letter.headers + [
                KafkaHeader(name: truncatedHeader, value: Array(cut.joined(separator: ",").utf8)),
                KafkaHeader(name: originalSizeHeader, value: Array(String(letter.value.count).utf8)),
            ])
    }
}
