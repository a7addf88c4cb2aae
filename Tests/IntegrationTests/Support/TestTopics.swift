import ReceiptKafka
import TestSupport

/// A fresh set of topics for one test, so tests never see each other's records.
struct TestTopics: Sendable {
    let brokers: String
    let events: String
    let notify: String
    let deadLetters: String

    static func create(partitions: Int32 = 4, brokers: String? = nil) throws -> TestTopics {
        let brokers = try brokers ?? TestStack.brokers()
        let base = TestStack.uniqueName("it")
        let topics = TestTopics(brokers: brokers, events: "\(base).events", notify: "\(base).notify",
                                deadLetters: "\(base).dlq")
        try KafkaAdmin.createTopics(
            [(topics.events, partitions), (topics.notify, partitions), (topics.deadLetters, 1)],
            configuration: KafkaConfiguration(properties: ["bootstrap.servers": brokers]),
            timeoutMs: 15_000)
        return topics
    }
}
