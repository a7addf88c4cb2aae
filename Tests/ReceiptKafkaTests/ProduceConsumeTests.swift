import ReceiptKafka
import Testing

@Suite struct ProduceConsumeTests {
    @Test func keyValueAndHeadersRoundTrip() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("round-trip", partitions: 1)
        let headers = [KafkaHeader(name: "attempt", value: [0, 1, 255]), KafkaHeader(name: "source", value: Array("dlq".utf8))]
        _ = try produceAll(
            [OutgoingRecord(topic: "round-trip", key: Array("user-1".utf8), value: Array("hello".utf8), headers: headers)],
            bootstrapServers: cluster.bootstrapServers
        )

        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["round-trip"], rebalance: RebalanceHandler()
        )
        defer { try? consumer.close() }
        let records = try consume(consumer, count: 1)

        let record = try #require(records.first)
        #expect(record.topic == "round-trip")
        #expect(record.partition == 0)
        #expect(record.offset == 0)
        #expect(record.key == Array("user-1".utf8))
        #expect(record.value == Array("hello".utf8))
        #expect(record.headers == headers)
        #expect(record.timestampMs != nil)
    }

    @Test func missingKeyAndEmptyValueComeBackAsNilAndEmpty() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("bare", partitions: 1)
        _ = try produceAll([OutgoingRecord(topic: "bare", key: nil, value: [])], bootstrapServers: cluster.bootstrapServers)

        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["bare"], rebalance: RebalanceHandler()
        )
        defer { try? consumer.close() }
        let record = try #require(try consume(consumer, count: 1).first)

        #expect(record.key == nil)
        #expect(record.value.isEmpty)
        #expect(record.headers.isEmpty)
    }

    @Test func pollReturnsRecordsInOffsetOrderWithinAPartitionAndRespectsMaxRecords() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("ordered", partitions: 1)
        _ = try produceAll(numberedRecords(topic: "ordered", count: 50), bootstrapServers: cluster.bootstrapServers)

        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["ordered"], rebalance: RebalanceHandler()
        )
        defer { try? consumer.close() }
        var records: [KafkaRecord] = []
        while records.count < 50 {
            let batch = try consumer.poll(maxRecords: 7, timeoutMs: 5000)
            try #require(!batch.isEmpty, "timed out after \(records.count) records")
            #expect(batch.count <= 7)
            records += batch
        }

        #expect(records.map(\.offset) == Array(0..<50))
        #expect(records.map(\.value) == (0..<50).map { Array("v\($0)".utf8) })
    }

    @Test func pollAfterCloseThrowsClosed() throws {
        let cluster = try KafkaMockCluster.make()
        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["anything"], rebalance: RebalanceHandler()
        )
        try consumer.close()
        try consumer.close()  // idempotent

        #expect(throws: KafkaError.self) { try consumer.poll(maxRecords: 1, timeoutMs: 0) }
        do {
            _ = try consumer.poll(maxRecords: 1, timeoutMs: 0)
        } catch {
            #expect(error.code == .closed)
        }
    }
}
