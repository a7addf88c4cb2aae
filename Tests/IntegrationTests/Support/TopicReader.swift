import ReceiptKafka
import TestSupport

/// Reads every record of one topic from the beginning, in a consumer group of its
/// own. Blocking: call it through `onOwnThread`.
final class TopicReader: Sendable {
    private let consumer: KafkaConsumer

    init(brokers: String, topic: String) throws {
        consumer = try KafkaConsumer.make(
            configuration: KafkaConfiguration(properties: [
                "bootstrap.servers": brokers,
                "group.id": TestStack.uniqueName("reader"),
                "auto.offset.reset": "earliest",
                "session.timeout.ms": "6000",
                // A test creates its reader before it sends, and reads only after: on a
                // loaded machine that gap passed 10 s, and librdkafka counts it from
                // subscription (a reader in a group of its own has nothing to rebalance).
                "max.poll.interval.ms": "300000",
            ]),
            topics: [topic],
            rebalance: RebalanceHandler(onAssign: { _ in [:] }, onRevoke: { _ in }))
    }

    /// Polls until at least `count` records arrived or `timeoutMs` passed, then
    /// polls a little longer to catch records that should not be there.
    func read(atLeast count: Int, timeoutMs: Int = 30_000, settleMs: Int = 500) throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while records.count < count, ContinuousClock.now < deadline {
            records += try consumer.poll(maxRecords: 10_000, timeoutMs: 100)
        }
        let settle = ContinuousClock.now + .milliseconds(settleMs)
        while ContinuousClock.now < settle {
            records += try consumer.poll(maxRecords: 10_000, timeoutMs: 50)
        }
        return records
    }

    deinit {
        try? consumer.close()
    }
}
