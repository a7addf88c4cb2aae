import ReceiptCore
import ReceiptKafka
import Testing
import TestSupport

/// Bad input never blocks a partition and is never dropped silently: the record goes
/// to the dead-letter topic unchanged, with headers saying why and from where.
@Suite("Dead letters end to end", .serialized)
struct DeadLetterTests {
    @Test("refused records reach the dead-letter topic unchanged, and the records after them are applied")
    func refusedRecordsGoToTheDeadLetterTopic() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let cid = TestStack.uniqueName("si_a_b")
        let refused: [(key: String, value: String)] = [
            (cid, "{not json"),
            (cid, #"{"eventID":"x2","type":"pinMessage","userID":"a","conversationID":"\#(cid)","sessionType":1}"#),
            Events.markConversationAsRead("x3", by: "b", in: cid, hasReadSeq: 9, peer: "a"),
        ]
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                refused + [Events.newMsg("ok1", from: "a", in: cid, clientMsgID: "m1")])
        }
        let letters = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.deadLetters).read(atLeast: 3)
        }
        let notices = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 1)
        }
        try await worker.stop()

        #expect(letters.count == 3)
        #expect(letters.map(\.value) == refused.map { Array($0.value.utf8) })
        #expect(letters.allSatisfy { $0.key == Array(cid.utf8) })
        #expect(letters.map { $0.header("x-receiptd-error") } == ["malformed_json", "unknown_type", "seq_above_max"])
        #expect(letters.allSatisfy { ($0.header("x-receiptd-reason") ?? "").count > 10 })
        #expect(letters.map { $0.header("x-receiptd-source") } == (0..<3).map { "\(topics.events)/0/\($0)" })
        #expect(try decodeNotifications(notices).compactMap(\.assignedSeq) == [1])
    }

    @Test("every invalid example of the contract is refused with the error it names")
    func contractInvalidExamplesAreRefusedWithTheirCodes() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let examples = try ProtoJSON.invalidEventExamples()
        #expect(examples.count >= Rejection.Code.allCases.count)
        // Each example runs in a conversation of its own, first brought to the maxSeq
        // its example names so the state-dependent rules have something to check.
        var records: [(key: String, value: String)] = []
        var expected: [String] = []
        let suffix = TestStack.uniqueName("")
        for example in examples {
            let record = example.record.replacingOccurrences(of: "__SUFFIX__", with: suffix)
            if let maxSeq = example.stateMaxSeq, let cid = example.conversationID {
                for n in 0..<maxSeq {
                    records.append(Events.newMsg("seed\(n)", from: "seeder", in: cid + suffix, clientMsgID: "seed\(n)"))
                }
            }
            records.append((example.conversationID.map { $0 + suffix } ?? "k", record))
            expected.append(example.expectedError)
        }
        _ = expected
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(records)
        }
        let letters = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.deadLetters).read(atLeast: examples.count)
        }
        try await worker.stop()
        #expect(letters.compactMap { $0.header("x-receiptd-error") } == examples.map(\.expectedError))
    }
}

extension KafkaRecord {
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
