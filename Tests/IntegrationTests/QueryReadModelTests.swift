import Logging
import ReceiptCore
import ReceiptHTTP
import ReceiptRedis
import Testing
import TestSupport

/// The query API answers what the receipts said, in both read models, from Redis
/// and from PostgreSQL: events go through a real worker, then the API is asked.
@Suite("Query API and the read models")
struct QueryReadModelTests {
    @Test("under message-level read, the read-state's unread leaves out the seqs read individually, from Redis and from PostgreSQL")
    func unreadCountsTheSeqsReadAboveTheWatermark() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let (exact, plain) = (TestStack.uniqueName("si_exact"), TestStack.uniqueName("sg_plain"))
        let worker = try RunningWorker.start(topics: topics) { $0.applier.exactReadSessionTypes = [.single] }
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let notices = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        try await onOwnThread {
            try producer.send((1...5).map { Events.newMsg("n\($0)", from: "a", in: exact, clientMsgID: "m\($0)", peer: "b") }
                + (1...5).map { Events.newMsg("g\($0)", from: "a", in: plain, clientMsgID: "m\($0)", session: 3) }
                + [Events.markMsgsAsRead("r1", by: "b", in: exact, seqs: [1, 3, 5], peer: "a"),
                   Events.markMsgsAsRead("r2", by: "b", in: plain, seqs: [2], session: 3)])
            _ = try notices.read(atLeast: 10 + 2)
        }
        let reader = try Self.reader()
        // Exact: 1, 3 and 5 read, watermark 1, marks {3, 5}: 2 and 4 unread.
        // Conversation-level (a group): reading 2 reads 1 and 2: 3 unread.
        try await expectUnread(reader, user: "b", [exact: (1, 2), plain: (2, 3)], from: "Redis")

        try await onOwnThread { try producer.send([Events.markMsgsAsRead("r3", by: "b", in: exact, seqs: [2], peer: "a")]) }
        try await waitUntil("the read of 2 to fold 3 into the watermark", timeout: .seconds(30)) {
            try await reader.readStates(userID: "b", conversationIDs: [exact])[IDKey(exact)]?.hasReadSeq == 3
        }
        try await expectUnread(reader, user: "b", [exact: (3, 1)], from: "Redis")
        try await worker.stop()  // flushes everything to PostgreSQL

        // Redis forgets both conversations: the API answers from PostgreSQL.
        try await onOwnThread {
            _ = try RedisProbe().execute(.del(RedisKeys.maxSeq(exact)))
            _ = try RedisProbe().execute(.del(RedisKeys.maxSeq(plain)))
        }
        try await expectUnread(reader, user: "b", [exact: (3, 1), plain: (2, 3)], from: "PostgreSQL")
    }

    @Test("a message's read count and readers include the members who read it individually above their watermark, in both read models, from Redis and from PostgreSQL")
    func readCountAndReadersIncludeIndividualReads() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let (exact, plain) = (TestStack.uniqueName("sg_exact"), TestStack.uniqueName("sg_plain"))
        let worker = try RunningWorker.start(topics: topics) { $0.applier.exactReadSessionTypes = [.group] }
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        try await onOwnThread {
            try producer.send((1...5).map { Events.newMsg("n\($0)", from: "a", in: exact, clientMsgID: "m\($0)", session: 2) }
                + (1...5).map { Events.newMsg("p\($0)", from: "a", in: plain, clientMsgID: "m\($0)", session: 3) }
                + [Events.markMsgsAsRead("r1", by: "b", in: exact, seqs: [1, 3, 5], session: 2),
                   Events.markMsgsAsRead("r2", by: "c", in: exact, seqs: [3], session: 2),
                   Events.markConversationAsRead("r3", by: "d", in: exact, hasReadSeq: 4, session: 2),
                   Events.markMsgsAsRead("r4", by: "b", in: plain, seqs: [3], session: 3),
                   Events.markMsgsAsRead("r5", by: "c", in: plain, seqs: [5], session: 3)])
        }
        let reader = try Self.reader()
        try await waitUntil("every read applied", timeout: .seconds(30)) {
            // Until the worker's first batch, PostgreSQL may not have its schema yet.
            let (exactCount, plainCount) = (try? await reader.readCount(conversationID: exact, seq: 3),
                                            try? await reader.readCount(conversationID: plain, seq: 3))
            return exactCount == 4 && plainCount == 3
        }
        // Exact: a sent 1-5 (watermark 5), b read 1, 3, 5 (watermark 1, marks 3 and 5),
        // c read 3 (watermark 0, mark 3), d read through 4. Plain: b through 3, c through 5.
        let expected: [(cid: String, seq: Int64, readers: [SeqReader])] = [
            (exact, 1, [("b", 1), ("d", 4), ("a", 5)].map(SeqReader.init)),
            (exact, 2, [("d", 4), ("a", 5)].map(SeqReader.init)),
            (exact, 3, [("d", 4), ("a", 5), ("b", 1), ("c", 0)].map(SeqReader.init)),
            (exact, 5, [("a", 5), ("b", 1)].map(SeqReader.init)),
            (plain, 3, [("b", 3), ("a", 5), ("c", 5)].map(SeqReader.init)),
            (plain, 4, [("a", 5), ("c", 5)].map(SeqReader.init)),
        ]
        try await expectReaders(reader, expected, from: "Redis")

        // b reads 2: 1-3 fold into b's watermark, so b's individual read of 3 leaves the index.
        try await onOwnThread { try producer.send([Events.markMsgsAsRead("r6", by: "b", in: exact, seqs: [2], session: 2)]) }
        try await waitUntil("b's read of 2 folded", timeout: .seconds(30)) {
            try await reader.readCount(conversationID: exact, seq: 2) == 3
        }
        let afterFold: [(cid: String, seq: Int64, readers: [SeqReader])] = [
            (exact, 2, [("b", 3), ("d", 4), ("a", 5)].map(SeqReader.init)),
            (exact, 3, [("b", 3), ("d", 4), ("a", 5), ("c", 0)].map(SeqReader.init)),
            (exact, 5, [("a", 5), ("b", 3)].map(SeqReader.init)),
        ]
        try await expectReaders(reader, afterFold, from: "Redis")
        let index = try await onOwnThread { try RedisProbe().execute(RedisCommand(["ZRANGE", RedisKeys.readMarkIndex(exact), "0", "-1"])) }
        #expect(index.array?.compactMap(\.string) == [RedisKeys.readMarkEntry(3, "c"), RedisKeys.readMarkEntry(5, "b")],
                "the read-mark index holds exactly the marks above the watermarks")
        try await worker.stop()  // flushes everything to PostgreSQL

        // Redis forgets both conversations' read state: the API answers from PostgreSQL.
        try await onOwnThread {
            for cid in [exact, plain] {
                _ = try RedisProbe().execute(.del(RedisKeys.readWatermarks(cid)))
                _ = try RedisProbe().execute(.del(RedisKeys.readMarkIndex(cid)))
            }
        }
        try await expectReaders(reader, afterFold + expected.filter { $0.cid == plain }, from: "PostgreSQL")
    }

    @Test("the readers of a message in a group of 10,000 come in bounded pages; a cursor whose member read on meanwhile resumes after it")
    func readersOfALargeGroupArePaged() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let cid = TestStack.uniqueName("sg_large")
        let members = (0..<10_000).map { "u" + String(100_000 + $0).dropFirst() }  // u00000…u09999, in byte order
        let worker = try RunningWorker.start(topics: topics)
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        try await onOwnThread {
            try producer.send([Events.newMsg("n1", from: "sender", in: cid, clientMsgID: "m1", session: 3),
                               Events.newMsg("n2", from: "sender", in: cid, clientMsgID: "m2", session: 3)]
                + members.map { Events.markConversationAsRead("r-\($0)", by: $0, in: cid, hasReadSeq: 1, session: 3) })
        }
        let reader = try Self.reader()
        try await waitUntil("every member's read applied", timeout: .seconds(60)) {
            (try? await reader.readCount(conversationID: cid, seq: 1)) == 10_001
        }
        let first = try await reader.readers(conversationID: cid, seq: 1, limit: 1_000, after: nil)
        #expect(first.readers.map(\.userID) == Array(members.prefix(1_000)))
        #expect(first.next == ReadersCursor(seq: 1, after: .watermark(hasReadSeq: 1, userID: members[999])))

        // The cursor's member reads on: the next page starts after it all the same.
        try await onOwnThread {
            try producer.send([Events.markConversationAsRead("r-on", by: members[999], in: cid, hasReadSeq: 2, session: 3)])
        }
        try await waitUntil("the member's read on applied", timeout: .seconds(30)) {
            try await reader.readCount(conversationID: cid, seq: 2) == 2
        }
        var listed = first.readers.map(\.userID)
        var cursor = first.next
        var pages = 1
        while let next = cursor {
            let page = try await reader.readers(conversationID: cid, seq: 1, limit: 1_000, after: next)
            #expect(page.readers.count <= 1_000)
            if pages == 1 { #expect(page.readers.first?.userID == members[1_000]) }
            listed += page.readers.map(\.userID)
            cursor = page.next
            pages += 1
        }
        // Everyone, and the member who read on once more at the end: by watermark 2,
        // after "sender" (who sent both messages).
        #expect(listed == members + ["sender", members[999]])
        #expect(pages == 11)
        try await worker.stop()
    }

    /// Expects each (conversation, seq)'s read count and its readers listed in order,
    /// walked one page of one at a time and in one page.
    private func expectReaders(_ reader: StateReader, _ expected: [(cid: String, seq: Int64, readers: [SeqReader])],
                               from store: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for (cid, seq, readers) in expected {
            let count = try await reader.readCount(conversationID: cid, seq: seq)
            #expect(count == Int64(readers.count), "\(store): read count of \(cid) seq \(seq)", sourceLocation: sourceLocation)
            let whole = try await reader.readers(conversationID: cid, seq: seq, limit: 100, after: nil)
            #expect(whole == ReadersPage(readers: readers, next: nil), "\(store): readers of \(cid) seq \(seq)",
                    sourceLocation: sourceLocation)
            var paged: [SeqReader] = []
            var cursor: ReadersCursor?
            repeat {
                let page = try await reader.readers(conversationID: cid, seq: seq, limit: 1, after: cursor)
                paged += page.readers
                cursor = page.next
            } while cursor != nil && paged.count <= readers.count
            #expect(paged == readers, "\(store): readers of \(cid) seq \(seq), one per page", sourceLocation: sourceLocation)
        }
    }

    /// Expects, per conversation, the user's (hasReadSeq, unread).
    private func expectUnread(_ reader: StateReader, user: String, _ expected: [String: (Int64, Int64)],
                              from store: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let states = try await reader.readStates(userID: user, conversationIDs: Array(expected.keys))
        for (cid, (hasReadSeq, unread)) in expected {
            let state = states[IDKey(cid)]
            #expect(state?.hasReadSeq == hasReadSeq && state?.unread == unread,
                    "\(store): \(cid) answered \(String(describing: state)), expected hasReadSeq \(hasReadSeq), unread \(unread)",
                    sourceLocation: sourceLocation)
        }
    }

    /// A reader of the stack's Redis (its cluster in the cluster pass) and PostgreSQL,
    /// without the rollback guard (no worker in this process reports to it).
    static func reader() throws -> StateReader {
        StateReader(redis: try RedisEndpoint(url: TestStack.redisURL()), clusterSeeds: try TestStack.redisClusterNodes(),
                    postgresURL: try TestStack.postgresURL(), acknowledgedBy: nil,
                    logger: Logger(label: "receiptd-query-test"))
    }
}
