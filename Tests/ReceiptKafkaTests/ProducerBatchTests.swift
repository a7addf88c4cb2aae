import ReceiptKafka
import Testing
import TestSupport

/// `send(_: OutgoingRecords)`, the worker's path for a batch's notifications.
@Suite struct ProducerBatchTests {
    @Test func recordsSentInOneCallArriveWithTheirKeysValuesAndTickets() async throws {
        let (refused, reports, consumed) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("batched", partitions: 3)
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            let refused = producer.send(Self.records(topic: "batched", count: 60))
            try producer.flush(timeoutMs: 10_000)
            let reports = producer.pollDeliveries(timeoutMs: 0)

            let consumer = try KafkaConsumer.make(
                configuration: consumerConfiguration(bootstrapServers: cluster.bootstrapServers, group: "g"),
                topics: ["batched"], rebalance: RebalanceHandler())
            defer { try? consumer.close() }
            return (refused, reports, try consume(consumer, count: 60))
        }

        #expect(refused.isEmpty)
        #expect(reports.map(\.ticket).sorted() == Array(1...60))
        #expect(reports.allSatisfy { $0.error == nil })
        let sent = (0..<60).map { Pair(key: "user-\($0 % 7)", value: "value-\($0)") }
        let arrived = consumed.map {
            Pair(key: String(decoding: $0.key ?? [], as: UTF8.self), value: String(decoding: $0.value, as: UTF8.self))
        }
        #expect(arrived.sorted() == sent.sorted())
        // Partitioned by key, as one record at a time: a user's records share a
        // partition, in the order they were sent.
        for user in 0..<7 {
            let records = consumed.filter { $0.key == Array("user-\(user)".utf8) }
            #expect(Set(records.map(\.partition)).count == 1)
            #expect(records.map { String(decoding: $0.value, as: UTF8.self) }
                    == stride(from: user, to: 60, by: 7).map { "value-\($0)" })
        }
    }

    @Test func aBatchLargerThanTheQueueWaitsForRoomAndSendsTheRest() async throws {
        let (refused, reports, _) = try await onOwnThread {
            try Self.sendAndFlush(Self.records(topic: "narrow", count: 40), properties: ["queue.buffering.max.messages": "4"])
        }

        #expect(refused.isEmpty)
        // One partition, idempotent producer: offsets follow the batch's order.
        #expect(reports.sorted { $0.offset < $1.offset }.map(\.ticket) == Array(1...40))
    }

    @Test func theEnqueueTimeoutBoundsEachWaitForRoomNotTheWholeBatch() async throws {
        let (refused, reports, took) = try await onOwnThread {
            // Room for 2 records, each produce request lingering 20 ms: 200 records need
            // about 100 waits, 2 s or more in all, twice the timeout; each wait is far
            // shorter than it.
            try Self.sendAndFlush(Self.records(topic: "slow", count: 200),
                                  properties: ["queue.buffering.max.messages": "2", "linger.ms": "20"],
                                  enqueueTimeoutMs: 1_000)
        }

        #expect(took > .milliseconds(1_000))  // the batch as a whole outlasted the timeout
        #expect(refused.isEmpty)
        #expect(reports.map(\.ticket).sorted() == Array(1...200))
    }

    @Test func recordsTheQueueCannotTakeInTimeAreReturnedAsRefusedForAFullQueue() async throws {
        let (refused, waited) = try await onOwnThread {
            var configuration = KafkaConfiguration(
                bootstrapServers: "127.0.0.1:1", properties: ["queue.buffering.max.messages": "3"])
            configuration.enqueueTimeoutMs = 100
            let producer = try KafkaProducer.make(configuration: configuration)
            let started = ContinuousClock.now
            let refused = producer.send(Self.records(topic: "nowhere", count: 10))
            return (refused, ContinuousClock.now - started)
        }

        #expect(refused.map(\.index) == Array(3..<10))
        #expect(refused.allSatisfy { $0.error.code == .queueFull })
        #expect(waited >= .milliseconds(100))
    }

    @Test func aRecordLibrdkafkaRefusesIsReturnedAndTheOthersAreSent() async throws {
        let (refused, reports, _) = try await onOwnThread {
            var records = OutgoingRecords(topic: "sized")
            for index in 0..<5 {
                let size = index == 2 ? 5_000 : 10
                records.append(key: "k\(index)", ticket: UInt64(index + 1)) { $0 += [UInt8](repeating: 7, count: size) }
            }
            return try Self.sendAndFlush(records, properties: ["message.max.bytes": "1000"])
        }

        #expect(refused.map(\.index) == [2])
        #expect(refused.first?.error.code == .messageTooLarge)
        #expect(reports.map(\.ticket).sorted() == [1, 2, 4, 5])
    }

    @Test func aTopicNameLibrdkafkaRefusesRefusesEveryRecord() async throws {
        let refused = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            // librdkafka refuses topic names over 512 bytes.
            return producer.send(Self.records(topic: String(repeating: "t", count: 600), count: 3))
        }

        #expect(refused.map(\.index) == [0, 1, 2])
    }

    @Test func aRecordTakenBackOnItsOwnHoldsItsKeyValueAndTicket() {
        var records = Self.records(topic: "t", count: 3)
        let second = records.record(at: 1)

        #expect(records.count == 3)
        #expect(second.topic == "t")
        #expect(second.key == Array("user-1".utf8))
        #expect(second.value == Array("value-1".utf8))
        #expect(records.ticket(at: 1) == 2)
        records.removeAll()
        #expect(records.isEmpty)
    }

    /// Sends `records` in one call to a fresh mock cluster holding their topic (one
    /// partition), from a producer with `properties`, and flushes. Returns what was
    /// refused, the delivery reports, and how long the send took.
    private static func sendAndFlush(
        _ records: OutgoingRecords, properties: [String: String], enqueueTimeoutMs: Int32? = nil
    ) throws -> (refused: [(index: Int, error: KafkaError)], reports: [DeliveryReport], took: Duration) {
        let cluster = try KafkaMockCluster.make()
        try cluster.createTopic(records.topic, partitions: 1)
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, properties: properties)
        if let enqueueTimeoutMs { configuration.enqueueTimeoutMs = enqueueTimeoutMs }
        let producer = try KafkaProducer.make(configuration: configuration)
        let started = ContinuousClock.now
        let refused = producer.send(records)
        let took = ContinuousClock.now - started
        try producer.flush(timeoutMs: 10_000)
        return (refused, producer.pollDeliveries(timeoutMs: 0), took)
    }

    /// `count` records keyed "user-0"… "user-6" in turn, with values "value-0"… and tickets 1…
    private static func records(topic: String, count: Int) -> OutgoingRecords {
        var records = OutgoingRecords(topic: topic)
        for index in 0..<count {
            records.append(key: "user-\(index % 7)", ticket: UInt64(index + 1)) { $0 += Array("value-\(index)".utf8) }
        }
        return records
    }

    private struct Pair: Comparable {
        var key: String
        var value: String
        static func < (a: Pair, b: Pair) -> Bool { (a.key, a.value) < (b.key, b.value) }
    }
}
