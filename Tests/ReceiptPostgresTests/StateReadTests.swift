import ReceiptCore
import ReceiptPostgres
import Testing

@Suite struct StateReadTests {
    /// c1: maxSeq 10, alice read to 4 plus 7, bob read to 8, carol read nothing yet.
    /// c2: only a read row for alice. c3: only a maxSeq.
    private func flushFixture(on connection: PostgresConnection) throws {
        var changes = StateChanges()
        changes.recordMaxSeq("c1", 10)
        changes.recordMaxSeq("c3", 3)
        changes.recordRead(ConversationUser("c1", "alice"), MarkedWatermark(watermark: 4, marks: [7]))
        changes.recordRead(ConversationUser("c1", "bob"), MarkedWatermark(watermark: 8))
        changes.recordRead(ConversationUser("c1", "carol"), MarkedWatermark(watermark: 0))
        changes.recordRead(ConversationUser("c2", "alice"), MarkedWatermark(watermark: 2))
        changes.recordDelivery(ConversationUser("c1", "bob"), MarkedWatermark(watermark: 5, marks: [9]))
        changes.recordClientMessage(ClientMessage("c1", storedID: "m1"), seq: 1)
        try StateFlush.write(changes, checkpoints: [], on: connection)
    }

    @Test func seedLoadsWhatWasFlushedAndLeavesUnknownConversationsAbsent() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try flushFixture(on: connection)
            let records = try StateSeed.load(
                conversations: ["c1", "c2", "c3", "unknown"], clientMessagesNewerThanSeconds: 3600, on: connection)
            #expect(Set(records.keys) == ["c1", "c2", "c3"])
            #expect(records["c1"] == ConversationRecord(
                maxSeq: 10,
                reads: [
                    "alice": MarkedWatermark(watermark: 4, marks: [7]), "bob": MarkedWatermark(watermark: 8),
                    "carol": MarkedWatermark(),
                ],
                deliveries: ["bob": MarkedWatermark(watermark: 5, marks: [9])], clientMessages: ["m1": 1]))
            #expect(records["c2"] == ConversationRecord(reads: ["alice": MarkedWatermark(watermark: 2)]))
            #expect(records["c3"] == ConversationRecord(maxSeq: 3))
        }
    }

    @Test func seedLeavesOutClientMessagesOlderThanAsked() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try flushFixture(on: connection)
            try connection.query("UPDATE client_message_batch SET created_at = now() - interval '2 hours'")
            let records = try StateSeed.load(conversations: ["c1"], clientMessagesNewerThanSeconds: 3600, on: connection)
            #expect(records["c1"]?.clientMessages == [:])
            #expect(records["c1"]?.maxSeq == 10)
        }
    }

    /// As Redis counts (the watermarks at or above the seq, plus the read-mark index's
    /// entries of the seq): a seq read individually above a watermark counts too.
    @Test func readCountCountsWatermarksAtOrAboveTheSeqAndIndividualReadsAsRedisDoes() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try flushFixture(on: connection)
            #expect(try StateQueries.readCount(conversationID: "c1", seq: 4, on: connection) == 2)  // alice, bob
            #expect(try StateQueries.readCount(conversationID: "c1", seq: 5, on: connection) == 1)  // bob
            #expect(try StateQueries.readCount(conversationID: "c1", seq: 7, on: connection) == 2)  // bob; alice read 7 individually
            #expect(try StateQueries.readCount(conversationID: "c1", seq: 9, on: connection) == 0)
            #expect(try StateQueries.readCount(conversationID: "unknown", seq: 1, on: connection) == 0)
        }
    }

    /// The order Redis lists them in: watermarks by (watermark, userID bytes), then
    /// individual reads by userID bytes, each part resumed after its cursor.
    @Test func readersListWatermarksThenIndividualReadsFromTheCursorOn() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try flushFixture(on: connection)
            func readers(_ seq: Int64, after: ReadersPosition?, limit: Int = 10) throws -> [String] {
                try StateQueries.readers(conversationID: "c1", seq: seq, limit: limit, after: after, on: connection)
                    .map { "\($0.userID):\($0.hasReadSeq)\($0.marked ? "x" : "")" }
            }
            #expect(try readers(4, after: nil) == ["alice:4", "bob:8"])
            #expect(try readers(7, after: nil) == ["bob:8", "alice:4x"])
            #expect(try readers(7, after: nil, limit: 1) == ["bob:8"])
            #expect(try readers(7, after: .watermark(hasReadSeq: 8, userID: "bob")) == ["alice:4x"])
            #expect(try readers(7, after: .marked(userID: "alice")) == [])
            #expect(try readers(4, after: .watermark(hasReadSeq: 4, userID: "alice")) == ["bob:8"])
            #expect(try readers(9, after: nil) == [])
        }
    }

    @Test func readStateJoinsTheUsersWatermarkWithMaxSeq() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try flushFixture(on: connection)
            let states = try StateQueries.readState(
                userID: "alice", conversationIDs: ["c1", "c2", "c3", "unknown", "c1"], on: connection)
            #expect(Set(states.keys) == ["c1", "c2", "c3"])
            #expect(states["c1"]?.hasReadSeq == 4 && states["c1"]?.maxSeq == 10)
            #expect(states["c1"]?.readAbove == 1, "alice read 7 individually above her watermark 4")
            #expect(states["c2"]?.hasReadSeq == 2 && states["c2"]?.maxSeq == 0)
            #expect(states["c3"]?.hasReadSeq == 0 && states["c3"]?.maxSeq == 3)
        }
    }

    @Test func maxSeqAndDeliveryStateAreNilWhenNothingIsStored() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try flushFixture(on: connection)
            #expect(try StateQueries.maxSeq(conversationID: "c1", on: connection) == 10)
            #expect(try StateQueries.maxSeq(conversationID: "c2", on: connection) == nil)
            // Read implies delivered: bob acked through 5 and 9 and read through 8.
            #expect(try StateQueries.deliveryState(conversationID: "c1", userID: "bob", on: connection)
                == MarkedWatermark(watermark: 9))
            #expect(try StateQueries.deliveryState(conversationID: "c1", userID: "alice", on: connection)
                == MarkedWatermark(watermark: 4, marks: [7]), "alice acked nothing: what she read")
            #expect(try StateQueries.deliveryState(conversationID: "c1", userID: "zed", on: connection) == nil)
        }
    }

    /// Flushes one client message in each of `old` conversations ("old-0", …), then
    /// dates their rows two days back; with `new`, one more conversation "new" stays
    /// current. One flush stores one row per conversation.
    private func storeClientMessages(old: Int, new: Bool = false, on connection: PostgresConnection) throws {
        var changes = StateChanges()
        for index in 0..<old {
            changes.recordClientMessage(ClientMessage("old-\(index)", storedID: "m\(index)"), seq: 1)
        }
        if new { changes.recordClientMessage(ClientMessage("new", storedID: "m"), seq: 1) }
        try StateFlush.write(changes, checkpoints: [], on: connection)
        try connection.query(
            "UPDATE client_message_batch SET created_at = now() - interval '2 days' WHERE conversation_id LIKE 'old-%'")
    }

    @Test func pruningStartsNoChunkOnceItsDeadlineHasPassed() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try storeClientMessages(old: ClientMessagePruning.chunkSize + 7, on: connection)
            #expect(try ClientMessagePruning.prune(olderThanSeconds: 86_400, limit: 1_000_000, until: .now,
                                                   on: connection) == ClientMessagePruning.chunkSize)
            #expect(try ClientMessagePruning.prune(olderThanSeconds: 86_400, limit: 1_000_000, on: connection) == 7)
        }
    }

    @Test func pruningDeletesOnlyOldClientMessagesInBoundedChunks() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try storeClientMessages(old: ClientMessagePruning.chunkSize + 7, new: true, on: connection)
            #expect(try ClientMessagePruning.prune(olderThanSeconds: 86_400, limit: 3, on: connection) == 3)
            #expect(try ClientMessagePruning.prune(olderThanSeconds: 86_400, limit: 1_000_000, on: connection)
                == ClientMessagePruning.chunkSize + 4)
            #expect(try ClientMessagePruning.prune(olderThanSeconds: 86_400, limit: 10, on: connection) == 0)
            let left = try connection.query("SELECT conversation_id, client_msg_id FROM client_message")
            #expect(try left.map { try $0.string("conversation_id") } == ["new"])
            #expect(try left.map { try $0.string("client_msg_id") } == ["m"])
        }
    }
}
