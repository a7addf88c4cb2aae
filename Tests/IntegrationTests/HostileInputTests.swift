import Foundation
import ReceiptCore
import ReceiptKafka
import ReceiptPipeline
import ReceiptPostgres
import ReceiptRedis
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

    @Test("a dead letter too large for Kafka goes out truncated, with headers saying so, and the partition moves on")
    func oversizedDeadLetterIsTruncated() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let cid = TestStack.uniqueName("si_big")
        let huge = "{" + String(repeating: "x", count: 40_000)  // malformed, and over the 20,000-byte limit
        let worker = try RunningWorker.start(topics: topics, group: group) {
            $0.kafkaProperties["message.max.bytes"] = "20000"
        }
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                [(cid, huge), Events.newMsg("good", from: "a", in: cid, clientMsgID: "m1", peer: "b")])
        }
        let letters = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.deadLetters).read(atLeast: 1)
        }
        let notices = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 1)
        }
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: 2)
        try await worker.stop()

        let letter = try #require(letters.first)
        #expect(letters.count == 1)
        #expect(letter.header("x-receiptd-error") == "malformed_json")
        #expect(letter.header("x-receiptd-truncated") == "value")
        #expect(letter.header("x-receiptd-original-size") == String(huge.utf8.count))
        #expect(letter.value.count < 10_000 && letter.value.count > 1_000)
        #expect(Array(huge.utf8).starts(with: letter.value), "the value keeps its first bytes")
        #expect(try decodeNotifications(notices).compactMap(\.assignedSeq) == [1])
        #expect(covered == 2)
    }

    @Test("a notification Kafka refuses stops the worker with its reason, instead of retrying it forever; nothing is checkpointed past it")
    func unproducibleNotificationStopsTheWorker() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let long = String(repeating: "u", count: 250)
        let cid = TestStack.uniqueName("si_") + String(repeating: "c", count: 200)
        let worker = try RunningWorker.start(topics: topics, group: group) {
            $0.kafkaProperties["message.max.bytes"] = "1000"
        }
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                [Events.newMsg(long, from: long, in: cid, clientMsgID: long, peer: "b")])
        }
        let outcome = try await Self.outcome(of: worker, within: .seconds(180))
        #expect(outcome?.contains("Kafka refused a record") == true, "\(String(describing: outcome))")
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: 1, waiting: .seconds(1))
        #expect((covered ?? 0) == 0, "the record whose notification was never sent is replayed")
    }

    @Test("a Redis refusal no retry can fix (WRONGTYPE) stops the worker with the server's word for it, instead of spinning")
    func permanentRedisRefusalStopsTheWorker() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let cid = TestStack.uniqueName("si_wrongtype")
        // The conversation's counter key holds a hash: every allocation gets WRONGTYPE.
        _ = try RedisProbe().execute(RedisCommand(["HSET", RedisKeys.maxSeq(cid), "field", "value"]))
        let worker = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                [Events.newMsg("w1", from: "a", in: cid, clientMsgID: "m1", peer: "b")])
        }
        let outcome = try await Self.outcome(of: worker, within: .seconds(120))
        #expect(outcome?.contains("WRONGTYPE") == true, "\(String(describing: outcome))")
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: 1, waiting: .seconds(1))
        #expect((covered ?? 0) == 0, "the record it could not apply is replayed, not skipped")
    }

    @Test("two conversation IDs equal as Swift Strings but not as bytes are two conversations, each with its own seqs")
    func canonicallyEqualConversationIDsStayApart() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let base = TestStack.uniqueName("si_caf")
        let composed = base + "\u{e9}", decomposed = base + "e\u{301}"
        #expect(composed == decomposed && !composed.utf8.elementsEqual(decomposed.utf8))
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send([
                Events.newMsg("n1", from: "a", in: composed, clientMsgID: "m1", peer: "b"),
                Events.newMsg("n2", from: "a", in: decomposed, clientMsgID: "m1", peer: "b"),
                Events.newMsg("n3", from: "a", in: composed, clientMsgID: "m2", peer: "b"),
            ])
        }
        let notices = try decodeNotifications(try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 3)
        })
        try await worker.stop()

        func seqs(_ cid: String) -> [Int64] {
            notices.filter { $0.conversationID.utf8.elementsEqual(cid.utf8) }.compactMap(\.assignedSeq)
        }
        #expect(seqs(composed) == [1, 2])
        #expect(seqs(decomposed) == [1], "the second conversation starts its own counter")
        let probe = try RedisProbe()
        #expect(try probe.maxSeq(composed) == 2)
        #expect(try probe.maxSeq(decomposed) == 1)
    }

    @Test("two userIDs equal as Swift Strings but not as bytes are two readers: one's read does not move the other's watermark")
    func canonicallyEqualUserIDsStayApart() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let cid = TestStack.uniqueName("sg_users")
        let composed = "r\u{e9}", decomposed = "re\u{301}"
        let worker = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread {
            let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
            try producer.send([
                Events.newMsg("n1", from: "s", in: cid, clientMsgID: "m1", session: 2),
                Events.newMsg("n2", from: "s", in: cid, clientMsgID: "m2", session: 2),
                Events.newMsg("n3", from: "s", in: cid, clientMsgID: "m3", session: 2),
            ])
            try producer.send([
                Events.markConversationAsRead("r1", by: composed, in: cid, hasReadSeq: 3, session: 2),
                Events.markMsgsAsRead("r2", by: decomposed, in: cid, seqs: [1], session: 2),
            ])
        }
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: 5)
        try await worker.stop()
        #expect(covered == 5)
        let probe = try RedisProbe()

        #expect(try probe.hasReadSeq(cid, composed) == 3)
        #expect(try probe.hasReadSeq(cid, decomposed) == 1, "the other reader read only seq 1")
    }

    @Test("IDs that spelled another conversation's key under layout 1 reach only their own state")
    func idsCannotSpellAnotherKey() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let a = TestStack.uniqueName("si_keys")
        let b = a + "}:dx:x"  // layout 1: maxSeq(b) == deliveryMarks(a, "x}:seq")
        let recipient = "x}:seq"
        let worker = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread {
            let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
            try producer.send((1...3).map { Events.newMsg("n\($0)", from: "p", in: a, clientMsgID: "m\($0)", peer: recipient) })
            // An ack above a gap: seq 3 is kept as a mark in a's delivery marks of the recipient.
            try producer.send([Events.msgDelivered("d1", by: recipient, in: a, seqs: [3], peer: "p")])
            try producer.send([Events.newMsg("n4", from: "q", in: b, clientMsgID: "m1", peer: "r")])
        }
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: 5)
        let notices = try decodeNotifications(try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 5)
        })
        try await worker.stop()

        #expect(covered == 5, "nothing stalled")
        #expect(notices.filter { $0.conversationID == b }.compactMap(\.assignedSeq) == [1], "b starts its own counter")
        let probe = try RedisProbe()
        #expect(try probe.maxSeq(a) == 3)
        #expect(try probe.maxSeq(b) == 1)
        #expect(try probe.seqs(RedisKeys.deliveryMarks(a, recipient)) == [3], "a's marks are untouched")
    }

    @Test("a clientMsgID reused by another sender is another message: it gets its own seq, and the first sender's retry still gets the first")
    func clientMsgIDReusedByAnotherSender() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let cid = TestStack.uniqueName("sg_reuse")
        let worker = try RunningWorker.start(topics: topics)
        try await onOwnThread {
            let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
            try producer.send([Events.newMsg("n1", from: "alice", in: cid, clientMsgID: "m1", session: 2)])
            try producer.send([Events.newMsg("n2", from: "mallory", in: cid, clientMsgID: "m1", session: 2)])
            try producer.send([Events.newMsg("n3", from: "alice", in: cid, clientMsgID: "m1", session: 2)])
        }
        let notices = try decodeNotifications(try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 3)
        })
        try await worker.stop()

        func seqs(to user: String) -> [Int64] { notices.filter { $0.recvID == user }.compactMap(\.assignedSeq) }
        #expect(seqs(to: "alice") == [1, 1], "alice's retry is a retry")
        #expect(seqs(to: "mallory") == [2], "mallory is not told alice's seq")
        #expect(try RedisProbe().maxSeq(cid) == 2)
    }

    @Test("a flush PostgreSQL refuses for good (its table gone) stops the worker with the SQLSTATE, instead of retrying forever")
    func permanentPostgresRefusalStopsTheWorker() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let schema = "t_refuse_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let base = try TestStack.postgresURL()
        let admin = try PostgresConnection.connect(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let worker = try RunningWorker.start(topics: topics, group: group, postgresURL: url)
        let deadline = ContinuousClock.now + .seconds(30)
        while try admin.query("SELECT to_regclass('\(schema).conversation_seq') IS NOT NULL AS migrated")[0]
            .string("migrated") != "t", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try admin.execute("ALTER TABLE \(schema).conversation_seq RENAME TO gone")
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                [Events.newMsg("p1", from: "a", in: TestStack.uniqueName("si_pg"), clientMsgID: "m1", peer: "b")])
        }
        let outcome = try await Self.outcome(of: worker, within: .seconds(120))
        #expect(outcome?.contains("SQLSTATE 42P01") == true, "\(String(describing: outcome))")
        let checkpoints = try admin.query("SELECT count(*) AS n FROM \(schema).consumer_checkpoint")[0].int64("n")
        #expect(checkpoints == 0, "nothing was checkpointed past the state that could not be stored")
    }

    @Test("a batch whose users hold more marks than one batch may read back is cut and read in parts; every ack applies and the partition moves on")
    func batchOfHeavilyMarkedUsersIsCut() async throws {
        let topics = try TestTopics.create(partitions: 1)
        let group = TestStack.uniqueName("group")
        let prefix = TestStack.uniqueName("si_marked")
        let chats = (0..<12).map { "\(prefix)_\($0)" }
        // Each recipient acks every other seq of 200: 100 marks each, 1,200 in all,
        // against a budget of 1,000 marks a batch.
        let setUp = chats.flatMap { cid in
            (1...200).map { Events.newMsg("\(cid)-m\($0)", from: "s", in: cid, clientMsgID: "m\($0)", peer: "r") }
                + [Events.msgDelivered("\(cid)-gaps", by: "r", in: cid, seqs: Array(stride(from: 2, through: 200, by: 2)),
                                       peer: "s")]
        }
        func budget(_ configuration: inout WorkerConfiguration) {
            configuration.maxMarksReadBytes = 1_000 * WorkerConfiguration.bytesPerMarkRead
        }
        let first = try RunningWorker.start(topics: topics, group: group, adjust: budget)
        try await onOwnThread { try EventProducer(brokers: topics.brokers, topic: topics.events).send(setUp) }
        #expect(try await Self.checkpoint(group: group, topic: topics.events, reaching: setUp.count) == Int64(setUp.count))
        try await first.stop()

        // One more ack from every recipient and a good message, all in the log before
        // the next worker polls: one poll, one batch, 1,200 marks to read back.
        let good = TestStack.uniqueName("si_good")
        let attack = chats.map { Events.msgDelivered("\($0)-ack1", by: "r", in: $0, seqs: [1], peer: "s") }
            + [Events.newMsg("good", from: "a", in: good, clientMsgID: "m1", peer: "b")]
        try await onOwnThread { try EventProducer(brokers: topics.brokers, topic: topics.events).send(attack) }
        let second = try RunningWorker.start(topics: topics, group: group, adjust: budget)
        let total = setUp.count + attack.count
        let covered = try await Self.checkpoint(group: group, topic: topics.events, reaching: total)
        try await second.stop()

        #expect(covered == Int64(total), "the checkpoint covers every record sent")
        #expect(second.log.tail.contains("cutting it in two"), "the batch was cut: \(second.log.tail)")
        let redis = try TestStack.redisClient()
        for cid in chats {
            let replies = try redis.pipeline([
                .zmscore(RedisKeys.deliveryWatermarks(cid), ["r"]),
                .zrangeByScore(RedisKeys.deliveryMarks(cid, "r"), min: .negativeInfinity, max: .positiveInfinity),
            ])
            #expect(try replies[0].get().array?.first?.int64 == 2, "\(cid): seq 1 folds the mark at 2 into the watermark")
            #expect(try replies[1].get().array?.compactMap(\.int64) == Array(stride(from: Int64(4), through: 200, by: 2)),
                    "\(cid): the other marks stay")
        }
        let notices = try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 2_400 + 12 + 12 + 1)
        }
        let receipts = try decodeNotifications(notices)
        #expect(receipts.filter { $0.conversationID == good }.compactMap(\.assignedSeq) == [1], "the good message got its seq")
        for cid in chats {
            let acks = receipts.compactMap { $0.conversationID == cid ? $0.deliveryTips : nil }
            #expect(acks.count == 2, "\(cid): the gaps and the last ack, each announced once")
        }
    }

    /// How the worker's service ended within `limit`: the error's description, or
    /// nil when it is still running (then it is stopped).
    static func outcome(of worker: RunningWorker, within limit: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if worker.hasEnded {
                do {
                    try await worker.task.value
                    return "ended without an error"
                } catch {
                    return "\(error)"
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        do {
            try await worker.stop()
        } catch {
            return "\(error)"  // it stopped itself while the deadline passed (a loaded machine)
        }
        return nil
    }

    /// Waits until the group's checkpoint of partition 0 reaches `offset`; returns
    /// the last one seen (the test then fails on it) after 20 s.
    static func checkpoint(group: String, topic: String, reaching offset: Int,
                           waiting limit: Duration = .seconds(90)) async throws -> Int64? {
        let url = try TestStack.postgresURL()
        let deadline = ContinuousClock.now + limit
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
