import CRdKafka

/// A `rd_kafka_topic_partition_list_t` borrowed for the duration of a call.
typealias PartitionList = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

/// librdkafka's "no offset" sentinel (`RD_KAFKA_OFFSET_INVALID`).
let noOffset: Int64 = -1001

/// Builds a temporary partition list holding `entries`, passes it to `body`, then destroys it.
func withPartitionList<Result, Failure: Error>(
    _ entries: some Collection<(TopicPartition, offset: Int64)>,
    _ body: (PartitionList) throws(Failure) -> Result
) throws(Failure) -> Result {
    let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for (topicPartition, offset) in entries {
        let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)!
        element.pointee.offset = offset
    }
    return try body(list)
}

extension UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    /// The list's elements, valid while the list is.
    var elements: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointee.elems, count: Int(pointee.cnt))
    }

    var topicPartitions: [TopicPartition] { elements.map(\.topicPartition) }

    /// The first per-partition error, if any (commit and pause report errors per partition).
    var firstError: KafkaError? { elements.lazy.compactMap { KafkaError($0.err) }.first }
}

extension rd_kafka_topic_partition_t {
    var topicPartition: TopicPartition {
        TopicPartition(topic: String(cString: topic), partition: partition)
    }
}
