import ReceiptCore
import ReceiptHTTP
import ReceiptPostgres
import ReceiptRedis
import Testing
import TestSupport

/// Delivery acks with gaps and message-level read, end to end on the real stack:
/// events in, the Redis keys the HTTP API reads, notifications out (each checked
/// against its proto-json schema), and the state flushed to PostgreSQL.
@Suite("Receipt model end to end", .serialized)
struct ReceiptModelTests {
    @Test("acks 1,2,3 then 5,6 leave a gap at 4 in Redis; acking 4 folds it; the sender gets every deliveryReceipt")
    func deliveryGapIsKeptAndFolded() async throws {
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("si_a_b")
        let worker = try RunningWorker.start(topics: topics)
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let reader = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        try await onOwnThread {
            try producer.send((1...6).map { Events.newMsg("n\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") }
                + [Events.msgDelivered("d1", by: "b", in: cid, seqs: [1, 2, 3], peer: "a"),
                   Events.msgDelivered("d2", by: "b", in: cid, seqs: [5, 6], peer: "a")])
        }
        let first = try decodeNotifications(try await onOwnThread { try reader.read(atLeast: 8) })
        let redis = try RedisProbe()
        #expect(try redis.score("rcpt:{\(cid)}:dlv", "b") == 3)
        #expect(try redis.seqs("rcpt:{\(cid)}:dx:b") == [5, 6])
        #expect(UnmarkedSeqs.ranges(watermark: 3, marks: try redis.seqs("rcpt:{\(cid)}:dx:b"), maxSeq: 6)
            == [SeqRange(from: 4, through: 4)])

        try await onOwnThread { try producer.send([Events.msgDelivered("d3", by: "b", in: cid, seqs: [4], peer: "a")]) }
        let second = try decodeNotifications(try await onOwnThread { try reader.read(atLeast: 1) })
        #expect(try redis.score("rcpt:{\(cid)}:dlv", "b") == 6)
        #expect(try redis.seqs("rcpt:{\(cid)}:dx:b") == [])
        try await worker.stop()

        let receipts = (first + second).filter { $0.type == .deliveryReceipt }
        #expect(receipts.allSatisfy { $0.recvID == "a" })
        #expect(receipts.map(\.sourceEventIDs) == [["d1"], ["d2"], ["d3"]])
        #expect(receipts.compactMap(\.deliveryTips?.deliveredSeq) == [3, 3, 6])
        #expect(receipts.compactMap(\.deliveryTips?.seqs) == [[1, 2, 3], [5, 6], [4]])
        let postgres = try PostgresConnection.connect(url: try TestStack.postgresURL())
        #expect(try StateQueries.deliveryState(conversationID: cid, userID: "b", on: postgres)
            == MarkedWatermark(watermark: 6))
    }

    @Test("message-level read: only the reported seqs are read, the watermark moves over the prefix, rx folds")
    func exactReadKeepsMarksAndFolds() async throws {
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("si_a_b")
        let worker = try RunningWorker.start(topics: topics) { $0.applier.exactReadSessionTypes = [.single] }
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let reader = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        try await onOwnThread {
            try producer.send((1...5).map { Events.newMsg("n\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") }
                + [Events.markMsgsAsRead("r1", by: "b", in: cid, seqs: [1, 2, 4], peer: "a")])
        }
        let first = try decodeNotifications(try await onOwnThread { try reader.read(atLeast: 7) })
        let redis = try RedisProbe()
        #expect(try redis.hasReadSeq(cid, "b") == 2)
        #expect(try redis.seqs("rcpt:{\(cid)}:rx:b") == [4])
        #expect(UnmarkedSeqs.count(watermark: 2, marks: try redis.seqs("rcpt:{\(cid)}:rx:b"), maxSeq: 5) == 2)

        try await onOwnThread { try producer.send([Events.markMsgsAsRead("r2", by: "b", in: cid, seqs: [3], peer: "a")]) }
        let second = try decodeNotifications(try await onOwnThread { try reader.read(atLeast: 2) })
        #expect(try redis.hasReadSeq(cid, "b") == 4)
        #expect(try redis.seqs("rcpt:{\(cid)}:rx:b") == [])
        #expect(try redis.hasReadSeq(cid, "a") == 5)
        try await worker.stop()

        let receipts = (first + second).filter { $0.type == .hasReadReceipt }
        #expect(Set(receipts.map(\.recvID)) == ["a", "b"])
        #expect(receipts.filter { $0.recvID == "a" }.compactMap(\.markAsReadTips) == [
            MarkAsReadTips(markAsReadUserID: "b", conversationID: cid, seqs: [1, 2, 4], hasReadSeq: 2),
            MarkAsReadTips(markAsReadUserID: "b", conversationID: cid, seqs: [3], hasReadSeq: 4),
        ])
        let postgres = try PostgresConnection.connect(url: try TestStack.postgresURL())
        #expect(try StateQueries.readCount(conversationID: cid, seq: 4, on: postgres) == 2)
        #expect(try StateQueries.readCount(conversationID: cid, seq: 5, on: postgres) == 1)
    }

    @Test("read implies delivered: what a reader read counts as delivered (all of it, or exactly the seqs read), with no deliveryReceipt, from Redis and from PostgreSQL")
    func readImpliesDelivered() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let (plain, exact) = (TestStack.uniqueName("si_plain"), TestStack.uniqueName("si_exact"))
        let group = TestStack.uniqueName("group")
        let worker = try RunningWorker.start(topics: topics, group: group)
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let notices = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        try await onOwnThread {
            try producer.send((1...6).map { Events.newMsg("n\($0)", from: "a", in: plain, clientMsgID: "m\($0)", peer: "b") }
                + [Events.msgDelivered("d1", by: "b", in: plain, seqs: [5, 6], peer: "a"),
                   Events.markConversationAsRead("r1", by: "b", in: plain, hasReadSeq: 3, peer: "a")])
        }
        let first = try decodeNotifications(try await onOwnThread { try notices.read(atLeast: 6 + 1 + 2) })
        let reader = try QueryReadModelTests.reader()
        // Acked 5 and 6, read through 3: 4 is the one gap.
        try await expectUnacked(reader, "b", in: plain, deliveredSeq: 3, unacked: [4], from: "Redis")
        #expect(first.filter { $0.type == .deliveryReceipt }.map(\.sourceEventIDs) == [["d1"]],
                "the read sent no deliveryReceipt: its hasReadReceipt says it")

        // Reading 4 fills the gap: the delivered watermark is 6 once 5 and 6 fold.
        try await onOwnThread { try producer.send([Events.markConversationAsRead("r2", by: "b", in: plain, hasReadSeq: 4, peer: "a")]) }
        _ = try await onOwnThread { try notices.read(atLeast: 2) }
        try await expectUnacked(reader, "b", in: plain, deliveredSeq: 6, unacked: [], from: "Redis")
        try await worker.stop()

        // The same with single chats under message-level read.
        let exactWorker = try RunningWorker.start(topics: topics, group: group) {
            $0.applier.exactReadSessionTypes = [.single]
        }
        try await onOwnThread {
            try producer.send((1...5).map { Events.newMsg("x\($0)", from: "a", in: exact, clientMsgID: "m\($0)", peer: "b") }
                + [Events.markMsgsAsRead("r3", by: "b", in: exact, seqs: [2, 4], peer: "a")])
        }
        let exactNotices = try decodeNotifications(try await onOwnThread { try notices.read(atLeast: 5 + 2) })
        #expect(!exactNotices.contains { $0.type == .deliveryReceipt }, "\(exactNotices.map(\.sourceEventIDs))")
        try await expectUnacked(reader, "b", in: exact, deliveredSeq: 0, unacked: [1, 3, 5], from: "Redis")
        try await exactWorker.stop()  // flushes to PostgreSQL

        try await onOwnThread {
            for cid in [plain, exact] {
                for key in [RedisKeys.deliveryWatermarks(cid), RedisKeys.deliveryMarks(cid, "b"),
                            RedisKeys.readWatermarks(cid), RedisKeys.readMarks(cid, "b")] {
                    _ = try RedisProbe().execute(.del(key))
                }
            }
        }
        try await expectUnacked(reader, "b", in: plain, deliveredSeq: 6, unacked: [], from: "PostgreSQL")
        try await expectUnacked(reader, "b", in: exact, deliveredSeq: 0, unacked: [1, 3, 5], from: "PostgreSQL")
    }

    private func expectUnacked(_ reader: StateReader, _ user: String, in cid: String, deliveredSeq: Int64, unacked: [Int64],
                               from store: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let state = try await reader.deliveryState(userID: user, conversationID: cid)
        let gaps = UnmarkedSeqs.ranges(watermark: state.deliveredSeq, marks: state.ackedAbove, maxSeq: state.maxSeq)
        #expect(state.deliveredSeq == deliveredSeq && gaps.flatMap { Array($0.lower...$0.upper) } == unacked,
                "\(store): \(cid) answered \(state), expected deliveredSeq \(deliveredSeq), unacked \(unacked)",
                sourceLocation: sourceLocation)
    }
}
