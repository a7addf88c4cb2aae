import ReceiptKafka
import Testing
import TestSupport

@Suite struct OffsetCommitTests {
    @Test func committedReturnsWhatWasCommittedAndOmitsPartitionsWithoutCommits() async throws {
        let first = TopicPartition(topic: "commits", partition: 0)
        let second = TopicPartition(topic: "commits", partition: 1)
        let committed = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("commits", partitions: 2)
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["commits"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            try awaitAssignment(consumer)

            try consumer.commit([first: 17])

            return try consumer.committed([first, second], timeoutMs: 5000)
        }

        #expect(committed == [first: 17])
    }

    @Test func theNextGroupMemberStartsAtTheCommittedOffset() async throws {
        let (consumedByFirst, consumedBySecond) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("resume", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "resume", count: 10), bootstrapServers: cluster.bootstrapServers)
            let configuration = consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g")
            let partition = TopicPartition(topic: "resume", partition: 0)

            let first = try KafkaConsumer.make(configuration: configuration, topics: ["resume"], rebalance: RebalanceHandler())
            let consumedByFirst = try consume(first, count: 10)
            try first.commit([partition: 6])
            try first.close()

            let second = try KafkaConsumer.make(configuration: configuration, topics: ["resume"], rebalance: RebalanceHandler())
            defer { try? second.close() }
            return (consumedByFirst, try consume(second, count: 4))
        }

        #expect(consumedByFirst.count == 10)
        #expect(consumedBySecond.map(\.offset) == [6, 7, 8, 9])
    }

    @Test func highWatermarkIsKnownOnceRecordsHaveBeenFetched() async throws {
        let (beforeFetching, afterFetching) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("lag", partitions: 1)
            _ = try produceAll(numberedRecords(topic: "lag", count: 5), bootstrapServers: cluster.bootstrapServers)
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["lag"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            let partition = TopicPartition(topic: "lag", partition: 0)
            let beforeFetching = consumer.highWatermark(partition)

            _ = try consume(consumer, count: 5)

            return (beforeFetching, consumer.highWatermark(partition))
        }

        #expect(beforeFetching == nil)
        #expect(afterFetching == 5)
    }

    @Test func pausedPartitionsDeliverNothingUntilResumed() async throws {
        let (whilePaused, afterResuming) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("paused", partitions: 1)
            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["paused"], rebalance: RebalanceHandler()
            )
            defer { try? consumer.close() }
            let partition = TopicPartition(topic: "paused", partition: 0)
            try awaitAssignment(consumer)

            try consumer.pause([partition])
            _ = try produceAll(numberedRecords(topic: "paused", count: 3), bootstrapServers: cluster.bootstrapServers)
            let whilePaused = try consumer.poll(maxRecords: 10, timeoutMs: 1000)
            try consumer.resume([partition])

            return (whilePaused, try consume(consumer, count: 3))
        }

        #expect(whilePaused.isEmpty)
        #expect(afterResuming.count == 3)
    }
}
