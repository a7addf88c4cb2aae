import ReceiptKafka
import Testing

@Suite struct ConfigurationErrorTests {
    @Test func unknownPropertyIsAnInvalidConfigurationErrorNamingIt() throws {
        let error = #expect(throws: KafkaError.self) {
            try KafkaProducer.make(configuration: KafkaConfiguration(properties: ["no.such.property": "1"]))
        }

        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("no.such.property") == true)
        #expect(error?.isFatal == false)
    }

    @Test func invalidValueIsAnInvalidConfigurationErrorNamingTheProperty() throws {
        let error = #expect(throws: KafkaError.self) {
            try KafkaConsumer.make(
                configuration: KafkaConfiguration(properties: ["group.id": "g", "session.timeout.ms": "soon"]),
                topics: ["t"], rebalance: RebalanceHandler()
            )
        }

        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("session.timeout.ms") == true)
    }

    @Test func subscribingWithoutGroupIDFails() throws {
        let error = #expect(throws: KafkaError.self) {
            try KafkaConsumer.make(configuration: KafkaConfiguration(), topics: ["t"], rebalance: RebalanceHandler())
        }

        #expect(error?.description.contains("group") == true)
    }

    @Test func forcedConsumerPropertiesOverrideTheCallers() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("manual", partitions: 1)
        _ = try produceAll(numberedRecords(topic: "manual", count: 3), bootstrapServers: cluster.bootstrapServers)
        var configuration = consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g")
        configuration["enable.auto.commit"] = "true"
        configuration["auto.commit.interval.ms"] = "10"
        let partition = TopicPartition(topic: "manual", partition: 0)

        let consumer = try KafkaConsumer.make(configuration: configuration, topics: ["manual"], rebalance: RebalanceHandler())
        #expect(try consume(consumer, count: 3).count == 3)
        _ = try consumer.poll(maxRecords: 1, timeoutMs: 300)

        #expect(try consumer.committed([partition], timeoutMs: 5000).isEmpty)
        try consumer.close()
    }
}
