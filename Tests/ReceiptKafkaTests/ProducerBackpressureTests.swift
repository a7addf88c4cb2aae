import ReceiptKafka
import Testing

@Suite struct ProducerBackpressureTests {
    @Test func sendWaitsForRoomWhileDeliveriesDrainAFullQueue() throws {
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

        #expect(producer.pollDeliveries(timeoutMs: 0).map(\.ticket).sorted() == Array(1...30))
    }

    @Test func sendThrowsQueueFullOnceTheEnqueueTimeoutPasses() throws {
        var configuration = KafkaConfiguration(
            bootstrapServers: "127.0.0.1:1", properties: ["queue.buffering.max.messages": "1"]
        )
        configuration.enqueueTimeoutMs = 100
        let producer = try KafkaProducer.make(configuration: configuration)
        try producer.send(OutgoingRecord(topic: "nowhere", key: nil, value: [1]), ticket: 1)

        let started = ContinuousClock.now
        let error = #expect(throws: KafkaError.self) {
            try producer.send(OutgoingRecord(topic: "nowhere", key: nil, value: [2]), ticket: 2)
        }

        #expect(error?.code == .queueFull)
        #expect(error?.isRetriable == true)
        #expect(ContinuousClock.now - started >= .milliseconds(100))
    }
}
