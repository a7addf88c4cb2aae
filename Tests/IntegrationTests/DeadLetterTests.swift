import Foundation
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
        let examples = try ProtoJSON.invalidEventExampleNames().map(ProtoJSON.invalidEventExample)
        #expect(Set(examples.map(\.expectedError)) == Set(Rejection.Code.allCases))
        // An example that needs state runs in a conversation of its own, first brought
        // to the maxSeq the example names by real newMsg events.
        var records: [(key: String, value: [UInt8])] = []
        for example in examples {
            guard let maxSeq = example.state?["maxSeq"] else {
                // Keyed as the example says, or by a key no example's conversation has.
                let key = example.key.map { String(decoding: $0, as: UTF8.self) } ?? "invalid-examples"
                records.append((key: key, value: example.record))
                continue
            }
            let cid = TestStack.uniqueName("state")
            for n in 0..<maxSeq {
                let seed = Events.newMsg("seed\(n)", from: "seeder", in: cid, clientMsgID: "seed\(n)")
                records.append((key: cid, value: Array(seed.value.utf8)))
            }
            records.append((key: cid, value: try Self.moving(example.record, to: cid)))
        }
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread { [records] in
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(records)
        }
        let letters = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.deadLetters).read(atLeast: examples.count)
        }
        try await worker.stop()
        #expect(letters.map { $0.header("x-receiptd-error") } == examples.map { Optional($0.expectedError.rawValue) })
    }

    @Test("a record keyed by another conversation, by a canonically equal spelling, or by nothing is refused as key_mismatch; the partition moves on")
    func recordsKeyedByAnotherConversationAreRefused() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let cid = TestStack.uniqueName("sg_caf\u{e9}")  // NFC é
        let nfd = cid.replacingOccurrences(of: "\u{e9}", with: "e\u{301}")
        #expect(cid == nfd && Array(cid.utf8) != Array(nfd.utf8), "Swift calls them equal; their bytes differ")
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
            try producer.send([
                (key: "someone_else", value: Events.newMsg("k1", from: "a", in: cid, clientMsgID: "m1", session: 2).value),
                (key: nfd, value: Events.newMsg("k2", from: "a", in: cid, clientMsgID: "m2", session: 2).value),
            ])
            try producer.sendWithoutKey(Array(Events.newMsg("k3", from: "a", in: cid, clientMsgID: "m3", session: 2).value.utf8))
            try producer.send([Events.newMsg("k4", from: "a", in: cid, clientMsgID: "m4", session: 2)])
        }
        let letters = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.deadLetters).read(atLeast: 3)
        }
        let notices = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 1)
        }
        try await worker.stop()
        #expect(letters.map { $0.header("x-receiptd-error") } == Array(repeating: "key_mismatch", count: 3))
        #expect(letters.map { $0.header("x-receiptd-source") } == (0..<3).map { "\(topics.events)/0/\($0)" })
        let assigned = try decodeNotifications(notices).filter { $0.type == .seqAssigned }
        #expect(assigned.map(\.clientMsgID) == ["m4"], "only the record keyed by its conversationID is applied")
        #expect(assigned.compactMap(\.assignedSeq) == [1], "the refused records took no seq")
    }

    /// The example's record with its conversationID replaced.
    static func moving(_ record: [UInt8], to cid: String) throws -> [UInt8] {
        var object = try #require(JSONSerialization.jsonObject(with: Data(record)) as? [String: Any])
        object["conversationID"] = cid
        return Array(try JSONSerialization.data(withJSONObject: object))
    }
}

extension KafkaRecord {
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
