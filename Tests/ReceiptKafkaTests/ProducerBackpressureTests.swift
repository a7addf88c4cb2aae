import ReceiptKafka
import Testing
import TestSupport

@Suite struct ProducerBackpressureTests {
    @Test func sendWaitsForRoomWhileDeliveriesDrainAFullQueue() async throws {
        let reports = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("narrow", partitions: 1)
            let configuration = KafkaConfiguration(
                bootstrapServers: cluster.bootstrapServers, properties: ["queue.buffering.max.messages": "2"]
            )
            let producer = try KafkaProducer.make(configuration: configuration)

            for (index, record) in numberedRecords(topic: "narrow", count: 30).enumerated() {
                try producer.send(record, ticket: UInt64(index + 1))
            }
            try producer.flush(timeoutMs: 10_000)

            return producer.pollDeliveries(timeoutMs: 0)
        }

        #expect(reports.map(\.ticket).sorted() == Array(1...30))
    }

    @Test func sendThrowsQueueFullOnceTheEnqueueTimeoutPasses() async throws {
        let (secondSend, waited) = try await onOwnThread {
            var configuration = KafkaConfiguration(
                bootstrapServers: "127.0.0.1:1", properties: ["queue.buffering.max.messages": "1"]
            )
            configuration.enqueueTimeoutMs = 100
            let producer = try KafkaProducer.make(configuration: configuration)
            try producer.send(OutgoingRecord(topic: "nowhere", key: nil, value: [1]), ticket: 1)

            let started = ContinuousClock.now
            let secondSend = Result { () throws(KafkaError) in
                try producer.send(OutgoingRecord(topic: "nowhere", key: nil, value: [2]), ticket: 2)
            }
            return (secondSend, ContinuousClock.now - started)
        }

        let error = #expect(throws: KafkaError.self) { try secondSend.get() }
        #expect(error?.code == .queueFull)
        #expect(error?.isRetriable == true)
        #expect(waited >= .milliseconds(100))
    }
}
