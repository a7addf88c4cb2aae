import ReceiptKafka
import Testing
import TestSupport

/// `send(topic:key:value:ticket:)`, the load generator's path for events, and a
/// consumer that leaves headers unread.
@Suite struct ProducerFastPathTests {
    @Test func recordsSentByTopicKeyAndValueArriveAsSentAcrossAlternatingTopics() async throws {
        let (reports, first, second) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("left", partitions: 1)
            try cluster.createTopic("right", partitions: 1)
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var buffer: [UInt8] = []
            for index in 1...6 {
                // One reused buffer, as the worker encodes notifications.
                buffer.removeAll(keepingCapacity: true)
                buffer += Array("value-\(index)".utf8)
                try producer.send(topic: index % 2 == 0 ? "right" : "left", key: "user-\(index)", value: buffer,
                                  ticket: UInt64(index))
            }
            try producer.flush(timeoutMs: 10_000)
            let reports = producer.pollDeliveries(timeoutMs: 0)

            func read(_ topic: String) throws -> [KafkaRecord] {
                let consumer = try KafkaConsumer.make(
                    configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g-\(topic)"),
                    topics: [topic], rebalance: RebalanceHandler())
                defer { try? consumer.close() }
                return try consume(consumer, count: 3)
            }
            return (reports, try read("left"), try read("right"))
        }

        #expect(reports.map(\.ticket).sorted() == Array(1...6))
        #expect(reports.allSatisfy { $0.error == nil })
        #expect(first.map { String(decoding: $0.key ?? [], as: UTF8.self) } == ["user-1", "user-3", "user-5"])
        #expect(first.map { String(decoding: $0.value, as: UTF8.self) } == ["value-1", "value-3", "value-5"])
        #expect(second.map { String(decoding: $0.key ?? [], as: UTF8.self) } == ["user-2", "user-4", "user-6"])
        #expect(second.map { String(decoding: $0.value, as: UTF8.self) } == ["value-2", "value-4", "value-6"])
    }

    @Test func aTopicNameLibrdkafkaRefusesFailsTheSendWithItsError() async throws {
        let sent = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            return Result { () throws(KafkaError) in
                // librdkafka refuses topic names over 512 bytes.
                try producer.send(topic: String(repeating: "t", count: 600), key: "k", value: [1], ticket: 1)
            }
        }

        #expect(throws: KafkaError.self) { try sent.get() }
    }

    @Test func aConsumerThatDoesNotReadHeadersReturnsRecordsWithoutThem() async throws {
        let records = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("headed", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "headed", count: 3, headers: [KafkaHeader(name: "h", value: [1])]),
                               bootstrapServers: cluster.bootstrapServers)
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["headed"], rebalance: RebalanceHandler(), readsHeaders: false)
            defer { try? consumer.close() }
            return try consume(consumer, count: 3)
        }

        #expect(records.map { String(decoding: $0.value, as: UTF8.self) } == ["v0", "v1", "v2"])
        #expect(records.allSatisfy { $0.headers.isEmpty })
    }
}
