import ReceiptCore
@testable import ReceiptPostgres
import TestSupport
import Testing

@Suite struct MigrationsTests {
    private func tables(on connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
            .map { try $0.string("tablename") ?? "" }
    }

    @Test func applyFromEmptyCreatesEveryTableAndRecordsTheVersion() throws {
        try withTestSchema { schema in
            let connection = try schema.connect()
            let result = try Migrations.apply(on: connection)
            #expect(result.from == 0 && result.to == Migrations.latestVersion)
            #expect(try tables(on: connection) == [
                "client_message_batch", "consumer_checkpoint", "conversation_seq", "delivery_state",
                "private_read_state", "read_state", "receiptd_schema_version", "redis_slot_position", "replay_horizon",
            ])
            try Migrations.check(on: connection)
        }
    }

    @Test func upgradingAVersion1DatabaseKeepsItsClientMessagesForTheSeed() throws {
        try withTestSchema { schema in
            let connection = try schema.connect()
            try connection.execute(Migrations.createVersionTable)
            try connection.execute(Migrations.steps[0])
            try connection.query(Migrations.recordVersion, ["1"])
            try connection.query("""
                INSERT INTO client_message (conversation_id, client_msg_id, seq, created_at) VALUES
                ('c1', 'm2', 2, now()), ('c1', 'm1', 1, now()), ('c2', 'x', 7, now() - interval '3 days'),
                ('c3', 'y', 4, now() - interval '8 days')
                """)
            #expect(try Migrations.apply(on: connection) == (from: 1, to: Migrations.latestVersion))
            let records = try StateSeed.load(conversations: ["c1", "c2"], clientMessagesNewerThanSeconds: 86_400,
                                             on: connection)
            #expect(records["c1"]?.clientMessages == ["m1": 1, "m2": 2])
            #expect(records["c2"] == nil)
            // Rows older than 7 days are not carried over; c2's (3 days) is, until pruned.
            #expect(try connection.query("SELECT DISTINCT conversation_id FROM client_message ORDER BY 1")
                .map { try $0.string("conversation_id") } == ["c1", "c2"])
            #expect(try ClientMessagePruning.prune(olderThanSeconds: 86_400, limit: 10, on: connection) == 1)
            // A flush of the same messages after the upgrade adds its own row; the seed is unchanged.
            var changes = StateChanges()
            changes.recordClientMessage(ClientMessage("c1", storedID: "m1"), seq: 1)
            #expect(try StateFlush.write(changes, checkpoints: [], on: connection).clientMessages == 1)
            #expect(try StateSeed.load(conversations: ["c1"], clientMessagesNewerThanSeconds: 86_400,
                                       on: connection)["c1"]?.clientMessages == ["m1": 1, "m2": 2])
        }
    }

    @Test("version 3's client_message view splits each message into its sender and clientMsgID; older rows have no sender")
    func clientMessageViewShowsSenders() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            var changes = StateChanges()
            changes.recordClientMessage(ClientMessage("c1", sender: "alice", "m1"), seq: 1)
            changes.recordClientMessage(ClientMessage("c1", storedID: "m0"), seq: 2)  // as schema 2 stored it
            _ = try StateFlush.write(changes, checkpoints: [], on: connection)
            let rows = try connection.query(
                "SELECT sender_id, client_msg_id, seq FROM client_message WHERE conversation_id = 'c1' ORDER BY seq")
            #expect(try rows.map { try $0.string("sender_id") } == ["alice", nil])
            #expect(try rows.map { try $0.string("client_msg_id") } == ["m1", "m0"])
            let seeded = try StateSeed.load(conversations: ["c1"], clientMessagesNewerThanSeconds: 86_400, on: connection)
            #expect(seeded["c1"]?.clientMessages == [IDKey("alice\u{1F}m1"): 1, "m0": 2], "the seed reads them as stored")
        }
    }

    @Test func reRunningIsANoOp() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let again = try Migrations.apply(on: connection)
            #expect(again.from == Migrations.latestVersion && again.to == Migrations.latestVersion)
            #expect(try connection.query("SELECT count(*) AS n FROM receiptd_schema_version")[0].int64("n")
                == Int64(Migrations.latestVersion))  // one row per version
        }
    }

    @Test func newerDatabaseIsRefusedWithAClearMessage() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let newer = Migrations.latestVersion + 1
            try connection.query("INSERT INTO receiptd_schema_version (version) VALUES (\(newer))")
            let expected = "database schema version \(newer) is newer than this receiptd (knows \(Migrations.latestVersion)); upgrade receiptd"
            let applyError = #expect(throws: SchemaVersionError.self) { try Migrations.apply(on: connection) }
            #expect(applyError?.description == expected)
            let checkError = #expect(throws: SchemaVersionError.self) { try Migrations.check(on: connection) }
            #expect(checkError?.description == expected)
        }
    }

    @Test func checkOfAnUnmigratedDatabaseSaysRunMigrateAndChangesNothing() throws {
        try withTestSchema { schema in
            let connection = try schema.connect()
            let error = #expect(throws: SchemaVersionError.self) { try Migrations.check(on: connection) }
            #expect(error == .databaseOutdated(database: 0, known: Migrations.latestVersion))
            #expect(error?.description.hasSuffix("run receiptd migrate") == true)
            #expect(try tables(on: connection).isEmpty)
        }
    }

    @Test func concurrentMigrationsFromTwoConnectionsAreSafe() async throws {
        let schema = try TestSchema()
        defer { schema.drop() }
        let url = schema.url
        async let first = onOwnThread { try Migrations.apply(on: PostgresConnection.connect(url: url)).from }
        async let second = onOwnThread { try Migrations.apply(on: PostgresConnection.connect(url: url)).from }
        let froms = try await [first, second].sorted()
        #expect(froms == [0, Migrations.latestVersion])  // exactly one of them migrated
        let connection = try schema.connect()
        try Migrations.check(on: connection)
        #expect(try connection.query("SELECT count(*) AS n FROM receiptd_schema_version")[0].int64("n")
                == Int64(Migrations.latestVersion))  // one row per version
    }
}
