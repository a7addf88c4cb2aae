import ReceiptKafka
import Testing
import TestSupport

@Suite struct ConfigurationErrorTests {
    @Test func unknownPropertyIsAnInvalidConfigurationErrorNamingIt() async throws {
        let made = try await onOwnThread {
            Result { () throws(KafkaError) in
                _ = try KafkaProducer.make(configuration: KafkaConfiguration(properties: ["no.such.property": "1"]))
            }
        }

        let error = #expect(throws: KafkaError.self) { try made.get() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("no.such.property") == true)
        #expect(error?.isFatal == false)
    }

    @Test func invalidValueIsAnInvalidConfigurationErrorNamingTheProperty() async throws {
        let made = try await onOwnThread {
            Result { () throws(KafkaError) in
                _ = try KafkaConsumer.make(
                    configuration: KafkaConfiguration(properties: ["group.id": "g", "session.timeout.ms": "soon"]),
                    topics: ["t"], rebalance: RebalanceHandler()
                )
            }
        }

        let error = #expect(throws: KafkaError.self) { try made.get() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("session.timeout.ms") == true)
    }

    @Test func subscribingWithoutGroupIDFails() async throws {
        let made = try await onOwnThread {
            Result { () throws(KafkaError) in
                _ = try KafkaConsumer.make(configuration: KafkaConfiguration(), topics: ["t"], rebalance: RebalanceHandler())
            }
        }

        let error = #expect(throws: KafkaError.self) { try made.get() }
        #expect(error?.description.contains("group") == true)
    }

    @Test func forcedConsumerPropertiesOverrideTheCallers() async throws {
        let partition = TopicPartition(topic: "manual", partition: 0)
        let (consumed, committed) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("manual", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "manual", count: 3), bootstrapServers: cluster.bootstrapServers)
            var configuration = consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g")
            configuration["enable.auto.commit"] = "true"
            configuration["auto.commit.interval.ms"] = "10"

            let consumer = try KafkaConsumer.make(configuration: configuration, topics: ["manual"], rebalance: RebalanceHandler())
            let consumed = try consume(consumer, count: 3)
            _ = try consumer.poll(maxRecords: 1, timeoutMs: 300)
            let committed = try consumer.committed([partition], timeoutMs: 5000)
            try consumer.close()
            return (consumed, committed)
        }

        #expect(consumed.count == 3)
        #expect(committed.isEmpty)
    }
}
