import ReceiptKafka
import Synchronization
import TestSupport

/// Consumer settings that keep group joins fast in tests.
func consumerConfiguration(bootstrapServers: String, group: String, assignor: String? = nil) -> KafkaConfiguration {
    var configuration = KafkaConfiguration(bootstrapServers: bootstrapServers, properties: [
        "group.id": group,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": "6000",
        "max.poll.interval.ms": "10000",
    ])
    configuration["partition.assignment.strategy"] = assignor
    return configuration
}

/// Sends `records` with tickets 1…n, flushes, and returns their delivery reports.
func produceAll(_ records: [OutgoingRecord], bootstrapServers: String) throws -> [DeliveryReport] {
    let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: bootstrapServers))
    for (index, record) in records.enumerated() {
        try producer.send(record, ticket: UInt64(index + 1))
    }
    try producer.flush(timeoutMs: 10_000)
    return producer.pollDeliveries(timeoutMs: 0)
}

/// Polls until `count` records have arrived or `timeoutMs` has passed.
func consume(_ consumer: KafkaConsumer, count: Int, timeoutMs: Int = 20_000) throws -> [KafkaRecord] {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
    var records: [KafkaRecord] = []
    while records.count < count, ContinuousClock.now < deadline {
        records += try consumer.poll(maxRecords: count - records.count, timeoutMs: 200)
    }
    return records
}

/// `consume` through `pollBatch` into `batch`, which every poll reuses: each poll's
/// records are copied out of it with `record(at:)`.
func consumeBatches(_ consumer: KafkaConsumer, count: Int, into batch: inout RecordBatch,
                    timeoutMs: Int = 20_000) throws -> [KafkaRecord] {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
    var records: [KafkaRecord] = []
    while records.count < count, ContinuousClock.now < deadline {
        try consumer.pollBatch(maxRecords: count - records.count, timeoutMs: 200, into: &batch)
        records += batch.indices.map(batch.record(at:))
    }
    return records
}

/// Polls (discarding records) until the consumer has joined its group and holds partitions.
func awaitAssignment(_ consumer: KafkaConsumer, timeoutMs: Int = 20_000) throws {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
    while try consumer.assignment().isEmpty, ContinuousClock.now < deadline {
        _ = try consumer.poll(maxRecords: 1, timeoutMs: 100)
    }
}

/// `count` records with keys "k0"… and values "v0"…, on one topic.
func numberedRecords(topic: String, count: Int, headers: [KafkaHeader] = []) -> [OutgoingRecord] {
    (0..<count).map { OutgoingRecord(topic: topic, key: Array("k\($0)".utf8), value: Array("v\($0)".utf8), headers: headers) }
}

/// Collects what rebalance callbacks saw, across threads.
final class RebalanceLog: Sendable {
    private let events = Mutex<[String]>([])

    func record(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
}

/// A reference set after creation, for callbacks that need the consumer they belong to.
final class LateBound<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
