import ReceiptKafka
import Testing

@Suite struct OffsetCommitTests {
    @Test func committedReturnsWhatWasCommittedAndOmitsPartitionsWithoutCommits() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("commits", partitions: 2)
        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["commits"], rebalance: RebalanceHandler()
        )
        defer { try? consumer.close() }
        let first = TopicPartition(topic: "commits", partition: 0)
        let second = TopicPartition(topic: "commits", partition: 1)
        try awaitAssignment(consumer)

        try consumer.commit([first: 17])

        #expect(try consumer.committed([first, second], timeoutMs: 5000) == [first: 17])
    }

    @Test func theNextGroupMemberStartsAtTheCommittedOffset() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("resume", partitions: 1)
        _ = try produceAll(numberedRecords(topic: "resume", count: 10), bootstrapServers: cluster.bootstrapServers)
        let configuration = consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g")
        let partition = TopicPartition(topic: "resume", partition: 0)

        let first = try KafkaConsumer.make(configuration: configuration, topics: ["resume"], rebalance: RebalanceHandler())
        #expect(try consume(first, count: 10).count == 10)
        try first.commit([partition: 6])
        try first.close()

        let second = try KafkaConsumer.make(configuration: configuration, topics: ["resume"], rebalance: RebalanceHandler())
        defer { try? second.close() }
        let records = try consume(second, count: 4)

        #expect(records.map(\.offset) == [6, 7, 8, 9])
    }

    @Test func highWatermarkIsKnownOnceRecordsHaveBeenFetched() throws {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic("lag", partitions: 1)
        _ = try produceAll(numberedRecords(topic: "lag", count: 5), bootstrapServers: cluster.bootstrapServers)
        let consumer = try KafkaConsumer.make(
            configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
            topics: ["lag"], rebalance: RebalanceHandler()
        )
        defer { try? consumer.close() }
        let partition = TopicPartition(topic: "lag", partition: 0)
        #expect(consumer.highWatermark(partition) == nil)

        _ = try consume(consumer, count: 5)

        #expect(consumer.highWatermark(partition) == 5)
    }

    @Test func pausedPartitionsDeliverNothingUntilResumed() throws {
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
        #expect(try consumer.poll(maxRecords: 10, timeoutMs: 1000).isEmpty)
        try consumer.resume([partition])

        #expect(try consume(consumer, count: 3).count == 3)
    }
}
