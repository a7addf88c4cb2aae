import ReceiptPostgres
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
                "client_message", "consumer_checkpoint", "conversation_seq", "delivery_state", "read_state",
                "receiptd_schema_version",
            ])
            try Migrations.check(on: connection)
        }
    }

    @Test func reRunningIsANoOp() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            let again = try Migrations.apply(on: connection)
            #expect(again.from == Migrations.latestVersion && again.to == Migrations.latestVersion)
            #expect(try connection.query("SELECT count(*) AS n FROM receiptd_schema_version")[0].int64("n") == 1)
        }
    }

    @Test func newerDatabaseIsRefusedWithAClearMessage() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            try connection.query("INSERT INTO receiptd_schema_version (version) VALUES (7)")
            let expected = "database schema version 7 is newer than this receiptd (knows 1); upgrade receiptd"
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
        #expect(try connection.query("SELECT count(*) AS n FROM receiptd_schema_version")[0].int64("n") == 1)
    }
}
