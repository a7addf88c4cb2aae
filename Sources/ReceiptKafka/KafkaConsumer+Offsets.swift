import CRdKafka

extension KafkaConsumer {
    /// Commits, synchronously, the next offset to consume for each partition.
    public func commit(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        try withPartitionList(offsets.map { ($0.key, offset: $0.value) }) { (list) throws(KafkaError) in
            try client.check(rd_kafka_commit(client.handle, list, 0))
            if let error = list.firstError { throw error }
        }
    }

    /// The group's committed next-offsets; partitions with no commit are absent.
    public func committed(_ partitions: [TopicPartition], timeoutMs: Int32) throws(KafkaError) -> [TopicPartition: Int64] {
        try withPartitionList(partitions.map { ($0, offset: noOffset) }) { (list) throws(KafkaError) in
            try client.check(rd_kafka_committed(client.handle, list, timeoutMs))
            if let error = list.firstError { throw error }
            var offsets: [TopicPartition: Int64] = [:]
            for element in list.elements where element.offset >= 0 {
                offsets[element.topicPartition] = element.offset
            }
            return offsets
        }
    }

    /// Stops fetching from `partitions` until `resume`; positions are kept.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try withPartitionList(partitions.map { ($0, offset: noOffset) }) { (list) throws(KafkaError) in
            try client.check(rd_kafka_pause_partitions(client.handle, list))
            if let error = list.firstError { throw error }
        }
    }

    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try withPartitionList(partitions.map { ($0, offset: noOffset) }) { (list) throws(KafkaError) in
            try client.check(rd_kafka_resume_partitions(client.handle, list))
            if let error = list.firstError { throw error }
        }
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: PartitionList?
        try client.check(rd_kafka_assignment(client.handle, &list))
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return list?.topicPartitions ?? []
    }

    /// The partition's high watermark (offset after its last record) as last reported by
    /// a fetch; nil until one has been seen. Does not block: for lag metrics.
    public func highWatermark(_ partition: TopicPartition) -> Int64? {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_get_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
    }
}
