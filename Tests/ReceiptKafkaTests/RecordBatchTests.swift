import ReceiptKafka
import Testing
import TestSupport

@Suite struct RecordBatchTests {
    @Test func batchPollGivesTheSameRecordsAsPollWithoutHeaders() async throws {
        let headers = [KafkaHeader(name: "attempt", value: [1])]
        let sent = [
            OutgoingRecord(topic: "batched", key: Array("user-1".utf8), value: Array("hello".utf8), headers: headers),
            OutgoingRecord(topic: "batched", key: nil, value: Array("no key".utf8)),
            OutgoingRecord(topic: "batched", key: [], value: []),
            OutgoingRecord(topic: "batched", key: Array("user-2".utf8), value: Array(repeating: 7, count: 5_000)),
        ]
        let records = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("batched", partitions: 1)
            _ = try produceAll(sent, bootstrapServers: cluster.bootstrapServers)

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["batched"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            var batch = RecordBatch()
            return try consumeBatches(consumer, count: sent.count, into: &batch)
        }

        try #require(records.count == sent.count)
        for (index, record) in records.enumerated() {
            #expect(record.topic == "batched")
            #expect(record.partition == 0)
            #expect(record.offset == Int64(index))
            #expect(record.timestampMs != nil)
            #expect(record.key == sent[index].key)
            #expect(record.value == sent[index].value)
        }
    }

    @Test func pollingIntoAUsedBatchReplacesItsRecords() async throws {
        let (first, second) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("reused", partitions: 1)
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["reused"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            var batch = RecordBatch()
            _ = try produceAll(numberedRecords(topic: "reused", count: 3), bootstrapServers: cluster.bootstrapServers)
            let first = try consumeBatches(consumer, count: 3, into: &batch)
            _ = try produceAll(numberedRecords(topic: "reused", count: 2), bootstrapServers: cluster.bootstrapServers)
            try consumer.pollBatch(maxRecords: 10, timeoutMs: 5_000, into: &batch)
            return (first, batch.indices.map(batch.record(at:)))
        }

        #expect(first.map(\.offset) == [0, 1, 2])
        // Only the new records, however many of them that poll found: none of the old.
        try #require(!second.isEmpty)
        #expect(second.map(\.offset) == Array(3..<Int64(3 + second.count)))
        #expect(second.map(\.value) == numberedRecords(topic: "reused", count: 2).prefix(second.count).map(\.value))
    }

    @Test func recordsKeepTheirKeysValuesAndPositionsAcrossTopics() {
        let records = [
            KafkaRecord(topic: "a", partition: 0, offset: 5, key: Array("k1".utf8), value: Array("v1".utf8), timestampMs: 10),
            KafkaRecord(topic: "b", partition: 3, offset: 9, key: nil, value: Array("v2".utf8), timestampMs: nil),
            KafkaRecord(topic: "a", partition: 0, offset: 6, key: [], value: [], timestampMs: 0),
        ]
        let batch = RecordBatch(records)

        #expect(batch.count == 3)
        for (index, record) in records.enumerated() {
            let copy = batch.record(at: index)
            #expect(copy.topic == record.topic)
            #expect(copy.partition == record.partition)
            #expect(copy.offset == record.offset)
            #expect(copy.key == record.key)
            #expect(copy.value == record.value)
            #expect(copy.timestampMs == record.timestampMs)
            #expect(batch.topicPartition(at: index) == record.topicPartition)
        }
    }

    @Test func filteringByPartitionKeepsTheOthersInOrderWithTheirBytes() {
        let records = (0..<6).map { offset in
            KafkaRecord(topic: "t", partition: Int32(offset % 3), offset: Int64(offset),
                        key: Array("key-\(offset)".utf8), value: Array("value-\(offset)".utf8), timestampMs: 1)
        }
        let kept = RecordBatch(records).filter { $0.partition != 1 }

        #expect(kept.indices.map(kept.offset(at:)) == [0, 2, 3, 5])
        #expect(kept.indices.map { String(decoding: kept.value(at: $0), as: UTF8.self) }
            == ["value-0", "value-2", "value-3", "value-5"])
        #expect(kept.indices.map { kept.key(at: $0).map { String(decoding: $0, as: UTF8.self) } }
            == ["key-0", "key-2", "key-3", "key-5"])
    }
}
