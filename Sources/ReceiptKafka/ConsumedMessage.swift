import CRdKafka

/// A message returned by `rd_kafka_consumer_poll`, borrowed until it is destroyed.
typealias ConsumedMessage = UnsafeMutablePointer<rd_kafka_message_t>

extension KafkaRecord {
    /// Copies a fetched record out of `message`. Key, value and header bytes are copied
    /// exactly once (headers only when `readingHeaders`). `topic` is passed in so that
    /// records of one topic share one `String`.
    init(copying message: ConsumedMessage, topic: String, readingHeaders: Bool) {
        let fields = message.pointee
        let timestamp = messageTimestampMs(message)
        self.init(
            topic: topic,
            partition: fields.partition,
            offset: fields.offset,
            key: fields.key.map { copyBytes($0, fields.key_len) },
            value: copyBytes(fields.payload, fields.len),
            timestampMs: timestamp >= 0 ? timestamp : nil,
            headers: readingHeaders ? copyHeaders(of: UnsafePointer(message)) : []
        )
    }
}

extension RecordBatch {
    /// Appends a fetched record from `message`, copying its key and value once.
    mutating func append(copying message: ConsumedMessage, topic: String) {
        let fields = message.pointee
        append(topic: topic, partition: fields.partition, offset: fields.offset,
               timestampMs: messageTimestampMs(message),
               key: fields.key.map { UnsafeRawBufferPointer(start: $0, count: fields.key_len) },
               value: UnsafeRawBufferPointer(start: fields.payload, count: fields.payload == nil ? 0 : fields.len))
    }
}

/// The message's producer (create) or broker (log-append) time in ms since the epoch;
/// -1 when not known.
func messageTimestampMs(_ message: ConsumedMessage) -> Int64 {
    var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
    return max(rd_kafka_message_timestamp(message, &timestampType), -1)
}

/// Remembers the last topic handle's name so a batch converts each topic name once.
/// Valid within one poll: librdkafka keeps topic handles alive while partitions are assigned.
struct TopicNames {
    private var lastHandle: OpaquePointer?
    private var lastName = ""

    mutating func name(of handle: OpaquePointer) -> String {
        if handle != lastHandle {
            lastHandle = handle
            lastName = String(cString: rd_kafka_topic_name(handle))
        }
        return lastName
    }
}

func copyBytes(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
    guard let start, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: start, count: count))
}

func copyHeaders(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
    var headers: OpaquePointer?
    guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else {
        return []
    }
    var result: [KafkaHeader] = []
    result.reserveCapacity(rd_kafka_header_cnt(headers))
    var name: UnsafePointer<CChar>?
    var value: UnsafeRawPointer?
    var size = 0
    while rd_kafka_header_get_all(headers, result.count, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
        result.append(KafkaHeader(name: String(cString: name!), value: copyBytes(value, size)))
    }
    return result
}
