import ReceiptKafka
import Testing

@Suite struct ConsumerErrorTests {
    @Test func subscribingToAMissingTopicThrowsOneRetriableErrorThenKeepsPolling() throws {
        let cluster = try KafkaMockCluster.make()
        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["missing"], rebalance: RebalanceHandler()
        )
        defer { try? consumer.close() }

        var errors: [KafkaError] = []
        for _ in 0..<15 {
            do throws(KafkaError) {
                #expect(try consumer.poll(maxRecords: 10, timeoutMs: 200).isEmpty)
            } catch {
                errors.append(error)
            }
        }

        #expect(errors.map(\.code) == [.unknownTopicOrPartition])
        #expect(errors.first?.isRetriable == true)
        #expect(errors.first?.isFatal == false)
        #expect(errors.first?.message.contains("missing") == true)
    }
}
