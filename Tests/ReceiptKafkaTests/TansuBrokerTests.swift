import ReceiptKafka
import Testing
import TestSupport

/// Against the real broker of the local stack (`RECEIPTD_TEST_BROKERS`): these fail,
/// never skip, when it is missing.
@Suite struct TansuBrokerTests {
    @Test func thousandRecordsProducedAreAllConsumedByAGroupAndCommitted() async throws {
        let brokers = try TestStack.brokers()
        let topic = TestStack.uniqueName("receipts")
        let group = TestStack.uniqueName("group")
        let run = try await onOwnThread {
            try KafkaAdmin.createTopics([(name: topic, partitions: 3)], configuration: KafkaConfiguration(bootstrapServers: brokers), timeoutMs: 10_000)

            let reports = try produceAll(numberedRecords(topic: topic, count: 1000), bootstrapServers: brokers)

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: brokers, group: group),
                topics: [topic], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            let records = try consume(consumer, count: 1000, timeoutMs: 60_000)

            var nextOffsets: [TopicPartition: Int64] = [:]
            for record in records { nextOffsets[record.topicPartition] = max(nextOffsets[record.topicPartition] ?? 0, record.offset + 1) }
            try consumer.commit(nextOffsets)
            let committed = try consumer.committed(Array(nextOffsets.keys), timeoutMs: 10_000)
            return (reports: reports, records: records, nextOffsets: nextOffsets, committed: committed)
        }

        #expect(run.reports.count == 1000)
        #expect(run.reports.allSatisfy { $0.error == nil })
        #expect(Set(run.records.map(\.value)) == Set((0..<1000).map { Array("v\($0)".utf8) }))
        #expect(run.committed == run.nextOffsets)
        #expect(run.nextOffsets.count == 3, "keyed records spread over all three partitions")
        #expect(run.nextOffsets.values.reduce(0, +) == 1000)
    }

    @Test func createTopicsIgnoresTopicsThatAlreadyExist() async throws {
        let configuration = KafkaConfiguration(bootstrapServers: try TestStack.brokers())
        let topic = TestStack.uniqueName("twice")

        try await onOwnThread {
            try KafkaAdmin.createTopics([(name: topic, partitions: 1)], configuration: configuration, timeoutMs: 10_000)
            try KafkaAdmin.createTopics([(name: topic, partitions: 1)], configuration: configuration, timeoutMs: 10_000)
        }
    }

    @Test func headersRoundTripThroughTheBroker() async throws {
        let brokers = try TestStack.brokers()
        let topic = TestStack.uniqueName("headers")
        let group = TestStack.uniqueName("group")
        let headers = [KafkaHeader(name: "error", value: Array("bad json".utf8)), KafkaHeader(name: "bytes", value: [0, 255])]
        let records = try await onOwnThread {
            try KafkaAdmin.createTopics([(name: topic, partitions: 1)], configuration: KafkaConfiguration(bootstrapServers: brokers), timeoutMs: 10_000)

            _ = try produceAll([OutgoingRecord(topic: topic, key: [1], value: [2], headers: headers)], bootstrapServers: brokers)
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: brokers, group: group),
                topics: [topic], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            return try consume(consumer, count: 1)
        }

        #expect(records.first?.headers == headers)
    }

    @Test func cooperativeStickyGroupGetsAssignedAndHonoursStartOffsets() async throws {
        let brokers = try TestStack.brokers()
        let topic = TestStack.uniqueName("cooperative")
        let group = TestStack.uniqueName("group")
        let records = try await onOwnThread {
            try KafkaAdmin.createTopics([(name: topic, partitions: 2)], configuration: KafkaConfiguration(bootstrapServers: brokers), timeoutMs: 10_000)
            _ = try produceAll(
                numberedRecords(topic: topic, count: 10).map { var r = $0; r.key = [0]; return r },
                bootstrapServers: brokers
            )
            let handler = RebalanceHandler(onAssign: { assigned in
                Dictionary(uniqueKeysWithValues: assigned.map { ($0, Int64(5)) })
            })

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: brokers, group: group, assignor: "cooperative-sticky"),
                topics: [topic], rebalance: handler
            )
            defer { try? consumer.close() }
            return try consume(consumer, count: 5)
        }

        #expect(records.map(\.offset) == [5, 6, 7, 8, 9])
    }
}
