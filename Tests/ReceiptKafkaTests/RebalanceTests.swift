import ReceiptKafka
import Testing
import TestSupport

@Suite struct RebalanceTests {
    @Test(arguments: ["range", "cooperative-sticky"])
    func onAssignStartOffsetsAreHonoured(assignor: String) async throws {
        let (records, rebalances) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("start", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "start", count: 10), bootstrapServers: cluster.bootstrapServers)
            let partition = TopicPartition(topic: "start", partition: 0)
            let log = RebalanceLog()
            let handler = RebalanceHandler(
                onAssign: { assigned in
                    log.record("assign \(assigned)")
                    return [partition: 7]
                },
                onRevoke: { revoked in log.record("revoke \(revoked)") }
            )

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g", assignor: assignor),
                topics: ["start"], rebalance: handler
            )
            let records = try consume(consumer, count: 3)
            try consumer.close()
            return (records, log.all)
        }

        #expect(records.map(\.offset) == [7, 8, 9])
        #expect(rebalances == ["assign [start[0]]", "revoke [start[0]]"])
    }

    @Test func onRevokeDuringCloseCanStillCommit() async throws {
        let partition = TopicPartition(topic: "handover", partition: 0)
        let (consumed, commitError, committed) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("handover", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "handover", count: 4), bootstrapServers: cluster.bootstrapServers)
            let configuration = consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g")
            let owner = LateBound<KafkaConsumer>()
            let commitError = LateBound<KafkaError>()
            let handler = RebalanceHandler(onRevoke: { _ in
                do throws(KafkaError) { try owner.value?.commit([partition: 4]) } catch { commitError.value = error }
            })

            let consumer = try KafkaConsumer.make(configuration: configuration, topics: ["handover"], rebalance: handler)
            owner.value = consumer
            let consumed = try consume(consumer, count: 4)
            try consumer.close()
            owner.value = nil

            let reader = try KafkaConsumer.make(configuration: configuration, topics: [], rebalance: RebalanceHandler())
            return (consumed, commitError.value, try reader.committed([partition], timeoutMs: 5000))
        }

        #expect(consumed.count == 4)
        #expect(commitError == nil)
        #expect(committed == [partition: 4])
    }

    @Test func twoMembersSplitThePartitionsBetweenThem() async throws {
        let assignments = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("split", partitions: 4)
            let configuration = consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g", assignor: "cooperative-sticky")
            let first = try KafkaConsumer.make(configuration: configuration, topics: ["split"], rebalance: RebalanceHandler())
            let second = try KafkaConsumer.make(configuration: configuration, topics: ["split"], rebalance: RebalanceHandler())
            defer { try? first.close(); try? second.close() }

            let deadline = ContinuousClock.now + .seconds(20)
            var assignments: ([TopicPartition], [TopicPartition]) = ([], [])
            while assignments.0.count + assignments.1.count != 4 || assignments.0.isEmpty || assignments.1.isEmpty,
                  ContinuousClock.now < deadline {
                _ = try first.poll(maxRecords: 1, timeoutMs: 50)
                _ = try second.poll(maxRecords: 1, timeoutMs: 50)
                assignments = (try first.assignment(), try second.assignment())
            }
            return assignments
        }

        #expect(Set(assignments.0).isDisjoint(with: assignments.1))
        #expect(Set(assignments.0 + assignments.1).map(\.partition).sorted() == [0, 1, 2, 3])
    }
}
