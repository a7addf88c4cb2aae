import Foundation
import ReceiptCore
import ReceiptKafka
import ReceiptPostgres
import Testing
import TestSupport

/// Records a buggy or hostile gateway can send, on the real stack. After each: the
/// record is dead-lettered with its code, a good event after it gets its receipt,
/// and the partition's checkpoint covers every record sent (nothing stalls).
@Suite("Hostile input end to end", .serialized)
struct HostileInputTests {
    /// Sends `hostile` then one good newMsg, and checks the verdicts and the checkpoint.
    func expectRefusedAndPassedOver(_ hostile: [(key: String, value: String)], code: String) async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let good = TestStack.uniqueName("si_good")
        let worker = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                hostile + [Events.newMsg("good", from: "a", in: good, clientMsgID: "m1", peer: "b")])
        }
        let letters = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.deadLetters).read(atLeast: hostile.count)
        }
        let notices = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 1)
        }
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: hostile.count + 1)
        try await worker.stop()

        #expect(letters.map { $0.header("x-receiptd-error") } == Array(repeating: code, count: hostile.count))
        #expect(try decodeNotifications(notices).compactMap(\.assignedSeq) == [1], "the good event got its receipt")
        #expect(covered == Int64(hostile.count + 1), "the checkpoint covers every record sent")
    }

    @Test("a NUL, a newline or a C1 control in an ID is refused, and flushes and checkpoints go on")
    func controlCharactersInIDs() async throws {
        let cid = TestStack.uniqueName("si_x")
        try await expectRefusedAndPassedOver([
            (cid, #"{"eventID":"h1","type":"newMsg","userID":"a\u0000","conversationID":"\#(cid)","sessionType":1,"clientMsgID":"m1","peerUserID":"b"}"#),
            (cid, #"{"eventID":"h2","type":"newMsg","userID":"a","conversationID":"\#(cid)","sessionType":1,"clientMsgID":"m\n2","peerUserID":"b"}"#),
            (cid, "{\"eventID\":\"h3\",\"type\":\"newMsg\",\"userID\":\"a\",\"conversationID\":\"\(cid)\",\"sessionType\":1,\"clientMsgID\":\"m3\",\"peerUserID\":\"b\u{85}\"}"),
        ], code: "invalid_field")
    }

    /// Waits until the group's checkpoint of partition 0 reaches `offset`; returns
    /// the last one seen (the test then fails on it) after 20 s.
    static func checkpoint(group: String, topic: String, reaching offset: Int) async throws -> Int64? {
        let url = try TestStack.postgresURL()
        let deadline = ContinuousClock.now + .seconds(20)
        var last: Int64?
        while ContinuousClock.now < deadline {
            last = try await onOwnThread {
                try PostgresConnection.connect(url: url).query(
                    "SELECT next_offset FROM consumer_checkpoint WHERE group_id = $1 AND topic = $2 AND partition = 0",
                    [group, topic]).first?.int64("next_offset")
            }
            if let last, last >= offset { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }
}
