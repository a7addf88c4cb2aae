import ReceiptKafka
import Testing
import TestSupport

@Suite struct DeliveryReportTests {
    @Test func everySendGetsOneReportCarryingItsTicketPartitionAndOffset() async throws {
        let reports = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("reports", partitions: 1)
            return try produceAll(numberedRecords(topic: "reports", count: 20), bootstrapServers: cluster.bootstrapServers)
        }

        #expect(reports.map(\.ticket).sorted() == Array(1...20))
        #expect(reports.allSatisfy { $0.error == nil && $0.partition == 0 })
        // One partition, idempotent producer: offsets follow send order.
        let offsetsByTicket = Dictionary(uniqueKeysWithValues: reports.map { ($0.ticket, $0.offset) })
        #expect((1...20).map { offsetsByTicket[UInt64($0)] } == (0..<20).map { Int64($0) })
    }

    @Test func pollDeliveriesReturnsEachReportOnlyOnce() async throws {
        let (reports, polledAgain) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("once", partitions: 1)
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            try producer.send(OutgoingRecord(topic: "once", key: nil, value: [1]), ticket: 42)

            var reports: [DeliveryReport] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while reports.isEmpty, ContinuousClock.now < deadline {
                reports = producer.pollDeliveries(timeoutMs: 100)
            }
            return (reports, producer.pollDeliveries(timeoutMs: 0))
        }

        #expect(reports.map(\.ticket) == [42])
        #expect(polledAgain.isEmpty)
    }

    @Test func reusedDeliveriesHoldEachAcknowledgementOnceAndNoFailures() async throws {
        let (acknowledged, failed, polledAgain) = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            try cluster.createTopic("reused", partitions: 1)
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            for ticket in 1...20 {
                try producer.send(OutgoingRecord(topic: "reused", key: nil, value: [UInt8(ticket)]), ticket: UInt64(ticket))
            }
            var deliveries = Deliveries()
            var acknowledged: [Acknowledgement] = []
            var failed: [DeliveryReport] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while acknowledged.count + failed.count < 20, ContinuousClock.now < deadline {
                producer.pollDeliveries(timeoutMs: 100, into: &deliveries)
                acknowledged += deliveries.acknowledged
                failed += deliveries.failed
            }
            producer.pollDeliveries(timeoutMs: 0, into: &deliveries)
            return (acknowledged, failed, deliveries)
        }

        #expect(failed.isEmpty)
        #expect(acknowledged.map(\.ticket).sorted() == Array(1...20))
        // One partition: offsets follow send order.
        #expect(acknowledged.sorted { $0.ticket < $1.ticket }.map(\.offset) == (0..<20).map { Int64($0) })
        #expect(acknowledged.allSatisfy { $0.partition == 0 })
        #expect(polledAgain.isEmpty)
    }

    @Test func recordLargerThanMessageMaxBytesFailsWithoutCarryingItsPayload() async throws {
        let sent = try await onOwnThread {
            let cluster = try KafkaMockCluster.make()
            let configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, properties: ["message.max.bytes": "1000"])
            let producer = try KafkaProducer.make(configuration: configuration)

            return Result { () throws(KafkaError) in
                try producer.send(OutgoingRecord(topic: "big", key: nil, value: Array(repeating: 0x41, count: 5000)), ticket: 1)
            }
        }

        let error = #expect(throws: KafkaError.self) { try sent.get() }
        #expect(error?.code == .messageTooLarge)
        #expect(error?.description.contains("AAAA") == false)
    }

    @Test func failedDeliveryCarriesTheRecordAsSentSoItCanBeSentAgain() async throws {
        let record = OutgoingRecord(topic: "nowhere", key: Array("k".utf8), value: Array("payload".utf8),
                                    headers: [KafkaHeader(name: "h", value: [1, 2])])
        let reports = try await onOwnThread {
            // No broker listens there: the record times out in the local queue.
            let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["message.timeout.ms": "300"])
            let producer = try KafkaProducer.make(configuration: configuration)
            try producer.send(record, ticket: 7)
            var reports: [DeliveryReport] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while reports.isEmpty, ContinuousClock.now < deadline {
                reports = producer.pollDeliveries(timeoutMs: 100)
            }
            return reports
        }

        let report = try #require(reports.first)
        #expect(reports.count == 1 && report.ticket == 7 && report.error != nil)
        let failed = try #require(report.failedRecord)
        #expect(failed.topic == record.topic && failed.key == record.key && failed.value == record.value)
        #expect(failed.headers == record.headers)
    }
}
