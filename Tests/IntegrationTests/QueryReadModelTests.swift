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
    private static func reader() throws -> StateReader {
        StateReader(redis: try RedisEndpoint(url: TestStack.redisURL()), clusterSeeds: try TestStack.redisClusterNodes(),
                    postgresURL: try TestStack.postgresURL(), acknowledgedBy: nil,
                    logger: Logger(label: "receiptd-query-test"))
    }
}
