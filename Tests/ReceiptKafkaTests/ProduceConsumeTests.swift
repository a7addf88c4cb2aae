import ReceiptKafka
import Testing
import TestSupport

@Suite struct ProduceConsumeTests {
    @Test func keyValueAndHeadersRoundTrip() async throws {
        let headers = [KafkaHeader(name: "attempt", value: [0, 1, 255]), KafkaHeader(name: "source", value: Array("dlq".utf8))]
        let records = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("round-trip", partitions: 1)
            _ = try produceAll(
                [OutgoingRecord(topic: "round-trip", key: Array("user-1".utf8), value: Array("hello".utf8), headers: headers)],
                bootstrapServers: cluster.bootstrapServers
            )

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["round-trip"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            return try consume(consumer, count: 1)
        }

        let record = try #require(records.first)
        #expect(record.topic == "round-trip")
        #expect(record.partition == 0)
        #expect(record.offset == 0)
        #expect(record.key == Array("user-1".utf8))
        #expect(record.value == Array("hello".utf8))
        #expect(record.headers == headers)
        #expect(record.timestampMs != nil)
    }

    @Test func missingKeyAndEmptyValueComeBackAsNilAndEmpty() async throws {
        let records = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("bare", partitions: 1)
            _ = try produceAll([OutgoingRecord(topic: "bare", key: nil, value: [])], bootstrapServers: cluster.bootstrapServers)

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["bare"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            return try consume(consumer, count: 1)
        }

        let record = try #require(records.first)
        #expect(record.key == nil)
        #expect(record.value.isEmpty)
        #expect(record.headers.isEmpty)
    }

    @Test func pollReturnsRecordsInOffsetOrderWithinAPartitionAndRespectsMaxRecords() async throws {
        // Each poll's batch, until 50 records have arrived or a poll timed out empty.
        let batches = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("ordered", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "ordered", count: 50), bootstrapServers: cluster.bootstrapServers)

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["ordered"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            var batches: [[KafkaRecord]] = []
            var received = 0
            while received < 50 {
                let batch = try consumer.poll(maxRecords: 7, timeoutMs: 5000)
                batches.append(batch)
                if batch.isEmpty { break }
                received += batch.count
            }
            return batches
        }

        let records = Array(batches.joined())
        for batch in batches {
            #expect(batch.count <= 7)
        }
        try #require(batches.allSatisfy { !$0.isEmpty }, "timed out after \(records.count) records")
        #expect(records.map(\.offset) == Array(0..<50))
        #expect(records.map(\.value) == (0..<50).map { Array("v\($0)".utf8) })
    }

    @Test func pollAfterCloseThrowsClosed() async throws {
        let (firstPoll, secondPoll) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["anything"], rebalance: RebalanceHandler()
            )
            try consumer.close()
            try consumer.close()  // idempotent

            let poll = { Result { () throws(KafkaError) in try consumer.poll(maxRecords: 1, timeoutMs: 0) } }
            return (poll(), poll())
        }

        #expect(throws: KafkaError.self) { try firstPoll.get() }
        if case .failure(let error) = secondPoll {
            #expect(error.code == .closed)
        }
    }
}
