import ReceiptCore
import ReceiptKafka
import Testing
import TestSupport

/// The read path end to end on the real stack: events produced to Kafka, state in
/// Redis, notifications read back from the notify topic.
@Suite("Read path end to end", .serialized)
struct ReadPathTests {
    @Test("new messages get seqs 1, 2, 3 and reading them notifies the peer and the reader with every seq")
    func readReceiptFlowsFromEventToNotification() async throws {
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("si_a_b")
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send([
                Events.newMsg("e1", from: "a", in: cid, clientMsgID: "m1", peer: "b"),
                Events.newMsg("e2", from: "a", in: cid, clientMsgID: "m2", peer: "b"),
                Events.newMsg("e3", from: "a", in: cid, clientMsgID: "m3", peer: "b"),
                Events.markConversationAsRead("e4", by: "b", in: cid, hasReadSeq: 3, peer: "a"),
            ])
        }
        let records = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 5)
        }
        try await worker.stop()
        let notifications = try decodeNotifications(records)

        #expect(notifications.compactMap(\.assignedSeq) == [1, 2, 3])
        #expect(notifications.filter { $0.type == .seqAssigned }.allSatisfy { $0.recvID == "a" })
        let receipts = notifications.filter { $0.type == .hasReadReceipt }
        #expect(Set(receipts.map(\.recvID)) == ["a", "b"])
        #expect(receipts.allSatisfy {
            $0.markAsReadTips == MarkAsReadTips(markAsReadUserID: "b", conversationID: cid, seqs: [1, 2, 3], hasReadSeq: 3)
        })
        #expect(receipts.allSatisfy { $0.sourceEventIDs == ["e4"] })
        #expect(notifications.count == 5)

        let redis = try RedisProbe()
        #expect(try redis.maxSeq(cid) == 3)
        #expect(try redis.hasReadSeq(cid, "a") == 3)
        #expect(try redis.hasReadSeq(cid, "b") == 3)
    }

    @Test("a repeated clientMsgID gets its first seq again and the counter does not move")
    func repeatedClientMessageIsNotAllocatedTwice() async throws {
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("si_a_b")
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send([
                Events.newMsg("e1", from: "a", in: cid, clientMsgID: "m1"),
                Events.newMsg("e2", from: "a", in: cid, clientMsgID: "m2"),
                Events.newMsg("e3", from: "a", in: cid, clientMsgID: "m1"),
            ])
        }
        let records = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 3)
        }
        try await worker.stop()
        #expect(try decodeNotifications(records).compactMap(\.assignedSeq) == [1, 2, 1])
        #expect(try RedisProbe().maxSeq(cid) == 2)
    }

    @Test("a group read goes to the reader's own devices only")
    func groupReadGoesToTheReaderOnly() async throws {
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("sg_team")
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send([
                Events.newMsg("e1", from: "a", in: cid, clientMsgID: "m1", session: 3),
                Events.newMsg("e2", from: "a", in: cid, clientMsgID: "m2", session: 3),
                Events.markConversationAsRead("e3", by: "c", in: cid, hasReadSeq: 2, session: 3),
            ])
        }
        let records = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 3)
        }
        try await worker.stop()
        let receipts = try decodeNotifications(records).filter { $0.type == .hasReadReceipt }
        #expect(receipts.map(\.recvID) == ["c"])
        #expect(receipts.first?.markAsReadTips?.seqs == [1, 2])
        #expect(try RedisProbe().hasReadSeq(cid, "c") == 2)
    }

    @Test("a worker stopped gracefully commits, and its successor does not replay what was finished")
    func successorResumesAfterTheCommittedOffset() async throws {
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("si_a_b")
        let group = TestStack.uniqueName("group")
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let first = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread { try producer.send([Events.newMsg("e1", from: "a", in: cid, clientMsgID: "m1")]) }
        let reader = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        let before = try await onOwnThread { try reader.read(atLeast: 1) }
        try await first.stop()

        let second = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread { try producer.send([Events.newMsg("e2", from: "a", in: cid, clientMsgID: "m2")]) }
        let after = try await onOwnThread { try reader.read(atLeast: 1, settleMs: 1_500) }
        try await second.stop()

        #expect(try decodeNotifications(before).compactMap(\.assignedSeq) == [1])
        #expect(try decodeNotifications(after).compactMap(\.assignedSeq) == [2])
    }
}
