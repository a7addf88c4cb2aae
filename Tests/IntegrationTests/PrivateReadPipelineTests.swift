import ReceiptCore
import ReceiptHTTP
import ReceiptRedis
import Testing
import TestSupport

/// Private reads through a real worker: what the reader's devices, the peer, the
/// group and the query API learn, from Redis and from PostgreSQL.
@Suite("Private reads through the worker")
struct PrivateReadPipelineTests {
    @Test("a private read reaches the reader's own devices only; the read-state counts it, read counts, readers and delivery do not; from Redis and from PostgreSQL")
    func aPrivateReadStaysWithTheReader() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let (single, group) = (TestStack.uniqueName("si_private"), TestStack.uniqueName("sg_private"))
        let worker = try RunningWorker.start(topics: topics) { $0.groupReads.windowMs = 100 }
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let notices = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        let messages = (1...6).map { Events.newMsg("n\($0)", from: "a", in: single, clientMsgID: "m\($0)", peer: "b") }
            + (1...4).map { Events.newMsg("g\($0)", from: "a", in: group, clientMsgID: "m\($0)", session: 2) }
        let reads = [
            Events.markConversationAsRead("p1", by: "b", in: single, hasReadSeq: 4, peer: "a", isPrivate: true),
            Events.markConversationAsRead("p2", by: "b", in: group, hasReadSeq: 3, session: 2, isPrivate: true),
            Events.markConversationAsRead("r1", by: "c", in: group, hasReadSeq: 2, session: 2),
        ]
        let first = try await onOwnThread {
            try producer.send(messages + reads)
            return try notices.read(atLeast: 10 + 3 + 1).compactMap { try? Notification.decode($0.value) }
        }
        let privately = first.filter { $0.sourceEventIDs.contains { $0 == "p1" || $0 == "p2" } }
        #expect(privately.map(\.recvID) == ["b", "b"], "told to the reader alone: \(privately)")
        #expect(privately.map(\.payload) == [
            .hasReadReceipt(MarkAsReadTips(markAsReadUserID: "b", conversationID: single, seqs: [1, 2, 3, 4], hasReadSeq: 4)),
            .hasReadReceipt(MarkAsReadTips(markAsReadUserID: "b", conversationID: group, seqs: [1, 2, 3], hasReadSeq: 3)),
        ])
        let groupReads = first.compactMap { notification -> GroupHasReadTips? in
            guard case .groupHasRead(let tips) = notification.payload else { return nil }
            return tips
        }
        #expect(groupReads.flatMap(\.readers).map(\.userID) == ["c"], "the group learns of c's read, not of b's")

        let reader = try QueryReadModelTests.reader()
        try await expectAnswers(reader, single: single, group: group, from: "Redis")

        // A public read below the private one is announced to the peer as usual.
        try await onOwnThread {
            try producer.send([Events.markConversationAsRead("r2", by: "b", in: single, hasReadSeq: 2, peer: "a")])
            let told = try notices.read(atLeast: 2).compactMap { try? Notification.decode($0.value) }
            #expect(Set(told.map(\.recvID)) == ["a", "b"])
            #expect(told.allSatisfy { $0.payload == .hasReadReceipt(
                MarkAsReadTips(markAsReadUserID: "b", conversationID: single, seqs: [1, 2], hasReadSeq: 2)) })
        }
        try await expectAnswers(reader, single: single, group: group, publicRead: 2, from: "Redis")
        try await worker.stop()  // flushes everything to PostgreSQL

        // Redis forgets both conversations: the API answers from PostgreSQL.
        try await onOwnThread {
            for cid in [single, group] {
                _ = try RedisProbe().execute(.del(RedisKeys.maxSeq(cid)))
                _ = try RedisProbe().execute(.del(RedisKeys.readWatermarks(cid)))
                _ = try RedisProbe().execute(.del(RedisKeys.privateReadWatermarks(cid)))
            }
        }
        try await expectAnswers(reader, single: single, group: group, publicRead: 2, from: "PostgreSQL")
    }

    /// b read the single chat privately through 4 (publicly through `publicRead`)
    /// and the group privately through 3; c read the group through 2; a sent all.
    private func expectAnswers(_ reader: StateReader, single: String, group: String, publicRead: Int64 = 0,
                               from store: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let states = try await reader.readStates(userID: "b", conversationIDs: [single, group])
        #expect(states[IDKey(single)] == ReadState(hasReadSeq: 4, maxSeq: 6), "\(store): b's own position counts the private read",
                sourceLocation: sourceLocation)
        #expect(states[IDKey(group)] == ReadState(hasReadSeq: 3, maxSeq: 4), "\(store)", sourceLocation: sourceLocation)
        #expect(try await reader.readCount(conversationID: group, seq: 2) == 2, "\(store): a and c, not b",
                sourceLocation: sourceLocation)
        let readers = try await reader.readers(conversationID: group, seq: 1, limit: 100, after: nil)
        #expect(readers.readers.map(\.userID) == ["c", "a"], "\(store)", sourceLocation: sourceLocation)
        let delivery = try await reader.deliveryState(userID: "b", conversationID: single)
        #expect(delivery.deliveredSeq == publicRead, "\(store): a private read is no delivery", sourceLocation: sourceLocation)
    }
}
