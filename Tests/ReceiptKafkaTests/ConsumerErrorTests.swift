import ReceiptKafka
import Testing
import TestSupport

@Suite struct ConsumerErrorTests {
    @Test func subscribingToAMissingTopicThrowsOneRetriableErrorThenKeepsPolling() async throws {
        let (records, errors) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["missing"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }

            var records: [KafkaRecord] = []
            var errors: [KafkaError] = []
            for _ in 0..<15 {
                do throws(KafkaError) {
                    records += try consumer.poll(maxRecords: 10, timeoutMs: 200)
                } catch {
                    errors.append(error)
                }
            }
            return (records, errors)
        }

        #expect(records.isEmpty, "every poll that did not throw returned nothing")
        #expect(errors.map(\.code) == [.unknownTopicOrPartition])
        #expect(errors.first?.isRetriable == true)
        #expect(errors.first?.isFatal == false)
        #expect(errors.first?.message.contains("missing") == true)
    }
}
