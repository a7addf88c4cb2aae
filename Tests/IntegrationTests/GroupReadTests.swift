import ReceiptCore
import ReceiptPostgres
import Testing
import TestSupport

/// A large group read by every member, end to end: `groupHasRead` is coalesced per
/// window and capped per record, and the per-conversation read zset answers the
/// read count of a seq without scanning members.
@Suite("Group reads end to end", .serialized)
struct GroupReadTests {
    @Test("10,000 members reading one group give a bounded number of groupHasRead records listing each latest watermark")
    func largeGroupReadsAreCoalesced() async throws {
        let members = 10_000, rereaders = 100, perRecord = 1_000, windowMs = 1_000
        let topics = try TestTopics.create()
        let cid = TestStack.uniqueName("sg_big")
        let worker = try RunningWorker.start(topics: topics) {
            $0.groupReads.windowMs = Int64(windowMs)
            $0.groupReads.maxReadersPerNotification = perRecord
        }
        // A sender outside the readers sends seqs 1...3 (sending reads them, so a read
        // of theirs would be a repeat, not announced); m1...m100 first read up to 2,
        // then every member reads up to 3.
        var events = (1...3).map { Events.newMsg("n\($0)", from: "sender", in: cid, clientMsgID: "c\($0)", session: 2) }
        events += (1...rereaders).map {
            Events.markConversationAsRead("early\($0)", by: "m\($0)", in: cid, hasReadSeq: 2, session: 2)
        }
        events += (0..<members).map {
            Events.markConversationAsRead("r\($0)", by: "m\($0)", in: cid, hasReadSeq: 3, session: 2)
        }
        let reads = rereaders + members
        let started = ContinuousClock.now
        try await onOwnThread { [events] in
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(events)
        }
        let reader = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        var records = try await onOwnThread {
            try reader.read(atLeast: 3 + reads + members / perRecord, timeoutMs: 120_000, settleMs: 2 * windowMs)
        }
        try await worker.stop()
        let elapsed = ContinuousClock.now - started
        records += try await onOwnThread { try reader.read(atLeast: 0, settleMs: 1_000) }

        let notifications = try decodeNotifications(records)
        #expect(notifications.filter { $0.type == .hasReadReceipt }.count == reads)  // every reader's own devices
        let groupRecords = notifications.filter { $0.type == .groupHasRead }
        // Windows of one group follow each other and each lasts windowMs, so at most
        // elapsed / windowMs + 1 of them closed; a window with r readers gives
        // ceil(r / perRecord) records, and the windows' readers sum to at most `reads`.
        let windows = Int(elapsed / .milliseconds(windowMs)) + 1
        let bound = (reads + windows * (perRecord - 1)) / perRecord
        #expect(groupRecords.count >= members / perRecord)
        #expect(groupRecords.count <= bound, "\(groupRecords.count) groupHasRead records in \(elapsed), bound \(bound)")
        #expect(groupRecords.allSatisfy { $0.recvID == cid && $0.sessionType == .group })
        #expect(groupRecords.allSatisfy { ($0.groupHasReadTips?.readers.count ?? 0) <= perRecord })

        var latest: [String: Int64] = [:]
        for reader in groupRecords.compactMap(\.groupHasReadTips).flatMap(\.readers) {
            latest[reader.userID] = reader.hasReadSeq
        }
        #expect(latest.count == members)
        #expect(latest.values.allSatisfy { $0 == 3 })

        // Every member, and the sender (sending read them).
        #expect(try RedisProbe().count("rcpt:{\(cid)}:read", atLeast: 3) == Int64(members + 1))
        let postgres = try PostgresConnection.connect(url: try TestStack.postgresURL())
        #expect(try StateQueries.readCount(conversationID: cid, seq: 3, on: postgres) == members + 1)
        print("groupHasRead: \(groupRecords.count) records for \(reads) reads in \(elapsed) (bound \(bound))")
    }
}
