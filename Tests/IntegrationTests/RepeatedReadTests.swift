import Foundation
import ReceiptCore
import ReceiptRedis
import Testing
import TestSupport

/// A client that sends a read it already sent (opening a conversation with nothing
/// new) is told nothing again; a replay is, because its first run's receipts may
/// never have gone out.
@Suite("Repeated reads and replays")
struct RepeatedReadTests {
    @Test("a client's repeated read and repeated ack produce no notification once the worker owns the partition")
    func aRepeatedReadProducesNothing() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let cid = TestStack.uniqueName("si_repeat")
        let worker = try RunningWorker.start(topics: topics)
        try await worker.waitUntilAssigned()
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let notices = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        let told = try await onOwnThread {
            try producer.send((1...3).map { Events.newMsg("n\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") }
                + [Events.markConversationAsRead("r1", by: "b", in: cid, hasReadSeq: 3, peer: "a"),
                   Events.markConversationAsRead("r2", by: "b", in: cid, hasReadSeq: 3, peer: "a"),
                   Events.msgDelivered("d1", by: "b", in: cid, seqs: [3], deliveredSeq: nil, peer: "a"),
                   Events.markConversationAsRead("r3", by: "b", in: cid, hasReadSeq: 3, peer: "a"),
                   // After the repeats in the same partition: once it is told, they were applied.
                   Events.newMsg("n4", from: "a", in: cid, clientMsgID: "m4", peer: "b")])
            return try notices.read(atLeast: 4 + 2, settleMs: 1_000).compactMap { try? Notification.decode($0.value) }
        }
        let sources = told.flatMap(\.sourceEventIDs)
        #expect(sources.sorted() == ["n1", "n2", "n3", "n4", "r1", "r1"], "only what changed is told: \(sources)")
        try await worker.stop()
    }

    @Test("reads a previous run applied to Redis but never announced are announced by the replay, though they change nothing")
    func aReplayAnnouncesWhatItFindsApplied() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let cid = TestStack.uniqueName("si_replay")
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        try await onOwnThread {
            try producer.send((1...3).map { Events.newMsg("n\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") }
                + [Events.markConversationAsRead("r1", by: "b", in: cid, hasReadSeq: 2, peer: "a")])
        }
        // The first run applies everything to Redis and PostgreSQL.
        let first = try RunningWorker.start(topics: topics)
        let firstNotices = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        _ = try await onOwnThread { try firstNotices.read(atLeast: 3 + 2) }
        try await first.stop()

        // A second run in a group with no checkpoint replays the whole partition over
        // that state, as a successor replays what a crashed worker applied but had
        // not announced: the read changes nothing, and is announced all the same.
        let second = try RunningWorker.start(topics: topics)
        try await second.waitUntilAssigned()
        let replayed = try await onOwnThread {
            try firstNotices.read(atLeast: 3 + 2).compactMap { try? Notification.decode($0.value) }
        }
        #expect(replayed.filter { $0.sourceEventIDs == ["r1"] }.map(\.recvID).sorted() == ["a", "b"],
                "the replayed read is announced again: \(replayed)\n\(second.log.tail)")

        // Past the replay, the same read sent again by the client is a repeat.
        try await onOwnThread {
            try producer.send([Events.markConversationAsRead("r2", by: "b", in: cid, hasReadSeq: 2, peer: "a"),
                               Events.newMsg("n4", from: "a", in: cid, clientMsgID: "m4", peer: "b")])
            let after = try firstNotices.read(atLeast: 1, settleMs: 1_000).compactMap { try? Notification.decode($0.value) }
            #expect(after.flatMap(\.sourceEventIDs) == ["n4"], "r2 is a repeat: \(after)")
        }
        try await second.stop()
    }

    @Test("reads a worker wrote back into a Redis that lost its data, and never flushed, are replays to its successor")
    func aReseedKeepsUnflushedReadsReplayable() async throws {
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(partitions: 1, brokers: stack.brokers)
        let group = TestStack.uniqueName("reseed")
        let cid = TestStack.uniqueName("si_reseed")
        // Never flushes while the test runs: the reads live in Redis and in its memory.
        let first = try WorkerProcess(topics: topics, group: group, redisURL: stack.redisURL,
                                      postgresURL: stack.postgresURL,
                                      extraEnvironment: ["RECEIPTD_FLUSH_INTERVAL_MS": "3600000"])
        try await first.waitUntilAssigned()
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let notices = try TopicReader(brokers: topics.brokers, topic: topics.notify)
        _ = try await onOwnThread {
            try producer.send((1...3).map { Events.newMsg("n\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") }
                + [Events.markConversationAsRead("r1", by: "b", in: cid, hasReadSeq: 3, peer: "a")])
            return try notices.read(atLeast: 3 + 2)
        }
        // Redis loses everything; the worker re-seeds it from PostgreSQL (empty) and
        // its own unflushed state, then dies before it flushes or announces anything.
        let log = first.logFile
        @Sendable func reseeds() -> Int {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").components(separatedBy: "Redis re-seeded from PostgreSQL")
                .count - 1
        }
        let reseedsAtStart = reseeds()  // the empty Redis it started on
        try await onOwnThread {
            let redis = try RedisConnection.connect(try RedisEndpoint(url: stack.redisURL), timeoutMs: 5_000)
            _ = try redis.execute(.flushall)
        }
        try await waitUntil("the worker to re-seed Redis", timeout: .seconds(30)) { reseeds() > reseedsAtStart }
        first.crash()

        // No checkpoint: the successor replays the partition over the re-seeded state,
        // where the read changes nothing. It may be a replay, so it is announced.
        let second = try WorkerProcess(topics: topics, group: group, redisURL: stack.redisURL,
                                       postgresURL: stack.postgresURL)
        defer { second.crash() }
        let replayed = try await onOwnThread {
            try notices.read(atLeast: 3 + 2, settleMs: 1_000).compactMap { try? Notification.decode($0.value) }
        }
        #expect(replayed.filter { $0.sourceEventIDs == ["r1"] }.map(\.recvID).sorted() == ["a", "b"],
                "the read is announced again by the replay: \(replayed.flatMap(\.sourceEventIDs))\n\(second.logTail)")
    }
}
