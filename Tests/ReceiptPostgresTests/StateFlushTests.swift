import ReceiptCore
import ReceiptPostgres
import Testing

@Suite struct StateFlushTests {
    private func changes(
        maxSeq: Int64, read: MarkedWatermark, delivery: MarkedWatermark, clientSeq: Int64
    ) -> StateChanges {
        var changes = StateChanges()
        changes.recordMaxSeq("c1", maxSeq)
        changes.recordRead(ConversationUser("c1", "alice"), read)
        changes.recordDelivery(ConversationUser("c1", "bob"), delivery)
        changes.recordClientMessage(ClientMessage("c1", storedID: "m1"), seq: clientSeq)
        return changes
    }

    private func checkpoint(_ offset: Int64, partition: Int32 = 0) -> Checkpoint {
        Checkpoint(group: "g", topic: "events", partition: partition, nextOffset: offset)
    }

    private func seed(_ connection: PostgresConnection) throws -> ConversationRecord? {
        try StateSeed.load(conversations: ["c1"], clientMessagesNewerThanSeconds: 3600, on: connection)["c1"]
    }

    @Test func flushWritesEveryTable() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let written = changes(
                maxSeq: 10, read: MarkedWatermark(watermark: 4, marks: [7]),
                delivery: MarkedWatermark(watermark: 9), clientSeq: 10)
            let stats = try StateFlush.write(written, checkpoints: [checkpoint(42)], on: connection)
            #expect(stats.maxSeqs == 1 && stats.reads == 1 && stats.deliveries == 1)
            #expect(stats.clientMessages == 1 && stats.checkpoints == 1 && stats.total == 5)
            #expect(try seed(connection) == ConversationRecord(
                maxSeq: 10, reads: ["alice": MarkedWatermark(watermark: 4, marks: [7])],
                deliveries: ["bob": MarkedWatermark(watermark: 9)], clientMessages: ["m1": 10]))
            #expect(try Checkpoints.load(group: "g", topic: "events", partitions: [0, 1], on: connection)
                .mapValues(\.nextOffset) == [0: 42])
        }
    }

    @Test func flushWithLowerValuesMovesNothingBackwards() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let newer = changes(
                maxSeq: 10, read: MarkedWatermark(watermark: 8, marks: [10]),
                delivery: MarkedWatermark(watermark: 9), clientSeq: 10)
            try StateFlush.write(newer, checkpoints: [checkpoint(42)], on: connection)
            let older = changes(
                maxSeq: 5, read: MarkedWatermark(watermark: 3), delivery: MarkedWatermark(watermark: 2), clientSeq: 5)
            let stats = try StateFlush.write(older, checkpoints: [checkpoint(7)], on: connection)
            // Nothing changed, not even updated_at. Client messages are not watermarks:
            // they are stored as they come, and a clientMsgID stored with two seqs keeps
            // the lower one, the seq it was given first.
            var onlyTheClientMessage = FlushStats()
            onlyTheClientMessage.clientMessages = 1
            #expect(stats == onlyTheClientMessage)
            let repeated = try StateFlush.write(newer, checkpoints: [checkpoint(42)], on: connection)
            #expect(repeated == FlushStats())
            #expect(try seed(connection) == ConversationRecord(
                maxSeq: 10, reads: ["alice": MarkedWatermark(watermark: 8, marks: [10])],
                deliveries: ["bob": MarkedWatermark(watermark: 9)], clientMessages: ["m1": 5]))
            #expect(try Checkpoints.load(group: "g", topic: "events", partitions: [0], on: connection)
                .mapValues(\.nextOffset) == [0: 42])
        }
    }

    @Test func marksAreTheUnionOfOldAndNewAboveTheMergedWatermark() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let key = ConversationUser("c1", "alice")
            var first = StateChanges()
            first.recordRead(key, MarkedWatermark(watermark: 2, marks: [5, 9, 12]))
            first.recordDelivery(key, MarkedWatermark(watermark: 1, marks: [4]))
            try StateFlush.write(first, checkpoints: [], on: connection)
            var second = StateChanges()
            second.recordRead(key, MarkedWatermark(watermark: 6, marks: [8, 12, 15]))
            second.recordDelivery(key, MarkedWatermark(watermark: 0, marks: [6]))
            let stats = try StateFlush.write(second, checkpoints: [], on: connection)
            #expect(stats.reads == 1 && stats.deliveries == 1)
            let stored = try connection.query("SELECT has_read_seq, read_seqs FROM read_state")[0]
            #expect(try stored.int64("has_read_seq") == 6)
            #expect(try stored.int64Array("read_seqs") == [8, 9, 12, 15])  // 5 is under the new watermark
            let delivered = try connection.query("SELECT delivered_seq, delivered_seqs FROM delivery_state")[0]
            #expect(try delivered.int64("delivered_seq") == 1)
            #expect(try delivered.int64Array("delivered_seqs") == [4, 6])
        }
    }

    @Test func firstClientMessageAllocationWinsForever() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            var first = StateChanges()
            first.recordClientMessage(ClientMessage("c1", storedID: "m1"), seq: 3)
            try StateFlush.write(first, checkpoints: [], on: connection)
            var retry = StateChanges()
            retry.recordClientMessage(ClientMessage("c1", storedID: "m1"), seq: 8)
            retry.recordClientMessage(ClientMessage("c1", storedID: "m2"), seq: 9)
            // Stored as they come (m1 twice); the seed keeps m1's first seq.
            #expect(try StateFlush.write(retry, checkpoints: [], on: connection).clientMessages == 2)
            #expect(try seed(connection)?.clientMessages == ["m1": 3, "m2": 9])
            #expect(try StateFlush.write(retry, checkpoints: [], on: connection).clientMessages == 0)
        }
    }

    @Test func flushIsAtomicWhenALaterStatementFails() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let written = changes(
                maxSeq: 10, read: MarkedWatermark(watermark: 4), delivery: MarkedWatermark(watermark: 9), clientSeq: 10)
            // The checkpoint statement runs last; a negative offset violates its CHECK.
            let error = #expect(throws: PostgresError.self) {
                try StateFlush.write(written, checkpoints: [checkpoint(-1)], on: connection)
            }
            #expect(error?.sqlState == "23514")
            #expect(try seed(connection) == nil)
            #expect(try connection.query("SELECT count(*) AS n FROM consumer_checkpoint")[0].int64("n") == 0)
            try StateFlush.write(written, checkpoints: [checkpoint(1)], on: connection)  // connection still usable
            #expect(try seed(connection)?.maxSeq == 10)
        }
    }

    @Test func duplicateCheckpointsKeepTheHighestOffset() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let checkpoints = [checkpoint(5), checkpoint(9), checkpoint(7), checkpoint(3, partition: 2)]
            #expect(try StateFlush.write(StateChanges(), checkpoints: checkpoints, on: connection).checkpoints == 2)
            #expect(try Checkpoints.load(group: "g", topic: "events", partitions: [0, 1, 2], on: connection)
                .mapValues(\.nextOffset) == [0: 9, 2: 3])
            #expect(try Checkpoints.load(group: "other", topic: "events", partitions: [0], on: connection).isEmpty)
        }
    }

    @Test("a checkpoint keeps the mark of the flush that moved it, and the group's marks name each writer's highest")
    func checkpointMarksFollowTheOffset() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            var first = checkpoint(10)
            first.mark = CheckpointMark(writer: "w1", position: 5)
            var later = checkpoint(20)
            later.mark = CheckpointMark(writer: "w2", position: 3)
            var older = checkpoint(15)
            older.mark = CheckpointMark(writer: "w3", position: 9)
            try StateFlush.write(StateChanges(), checkpoints: [first], on: connection)
            try StateFlush.write(StateChanges(), checkpoints: [later], on: connection)
            try StateFlush.write(StateChanges(), checkpoints: [older], on: connection)  // behind: changes nothing
            let loaded = try Checkpoints.load(group: "g", topic: "events", partitions: [0], on: connection)
            #expect(loaded == [0: StoredCheckpoint(nextOffset: 20, mark: CheckpointMark(writer: "w2", position: 3))])
            #expect(try Checkpoints.marks(group: "g", on: connection) == ["w2": 3])
        }
    }

    @Test("slot positions are stored with a flush, never lowered, read back per writer, and pruned once no checkpoint names their writer")
    func slotPositionsAreRaisedAndPruned() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            var first = checkpoint(10)
            first.mark = CheckpointMark(writer: "w1", position: 0)
            try StateFlush.write(StateChanges(), checkpoints: [first],
                                 slotPositions: SlotPositions(group: "g", writer: "w1", positions: [7: 3, 16_383: 5]),
                                 on: connection)
            try StateFlush.write(StateChanges(), checkpoints: [],
                                 slotPositions: SlotPositions(group: "g", writer: "w1", positions: [7: 2, 9: 1]),
                                 on: connection)
            #expect(try Checkpoints.slotPositions(group: "g", writers: ["w1"], on: connection)
                == ["w1": [7: 3, 9: 1, 16_383: 5]], "7 keeps its higher position")
            #expect(try Checkpoints.slotPositions(group: "g", on: connection) == ["w1": [7: 3, 9: 1, 16_383: 5]])
            #expect(try Checkpoints.slotPositions(group: "other", writers: ["w1"], on: connection).isEmpty)

            // w2 takes the partition over: w1 is named by no checkpoint any more.
            var later = checkpoint(20)
            later.mark = CheckpointMark(writer: "w2", position: 0)
            try StateFlush.write(StateChanges(), checkpoints: [later],
                                 slotPositions: SlotPositions(group: "g", writer: "w2", positions: [7: 1]),
                                 on: connection)
            #expect(try Checkpoints.slotPositions(group: "g", on: connection) == ["w2": [7: 1]],
                    "only writers a checkpoint names count for a rebuild")
            #expect(try Checkpoints.pruneSlotPositions(group: "g", keeping: "w3", on: connection) == 3)
            #expect(try Checkpoints.slotPositions(group: "g", writers: ["w1", "w2"], on: connection) == ["w2": [7: 1]])
            #expect(throws: PostgresError.self) {
                try StateFlush.write(StateChanges(), checkpoints: [],
                                     slotPositions: SlotPositions(group: "g", writer: "w2", positions: [16_384: 1]),
                                     on: connection)
            }
        }
    }
}
