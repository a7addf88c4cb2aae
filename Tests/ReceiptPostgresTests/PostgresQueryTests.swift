import ReceiptPostgres
import Testing

@Suite struct PostgresQueryTests {
    @Test func injectionLookingParameterIsBoundAsDataAndRoundTrips() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("bind")
        try connection.execute("CREATE TABLE \(table) (v text)")
        let hostile = "x'); DROP TABLE \(table); -- $1 \\' \""
        try connection.query("INSERT INTO \(table) (v) VALUES ($1)", [hostile])

        let rows = try connection.query("SELECT v FROM \(table) WHERE v = $1", [hostile])
        #expect(try rows.first?.string("v") == hostile)
        try connection.execute("DROP TABLE \(table)")
    }

    @Test func nilParameterIsNullAndNullComesBackAsNil() throws {
        let connection = try connectToTestPostgres()
        let rows = try connection.query("SELECT $1::text AS a, $1 IS NULL AS is_null, 7::bigint AS n", [nil])
        #expect(rows.columns == ["a", "is_null", "n"])
        #expect(try rows[0].string("a") == nil)
        #expect(try rows[0].string("is_null") == "t")
        #expect(try rows[0].int64("n") == 7)
    }

    @Test func readingAMissingColumnOrANonIntegerThrows() throws {
        let connection = try connectToTestPostgres()
        let row = try connection.query("SELECT 'abc' AS word")[0]
        #expect(throws: PostgresError.self) { try row.string("absent") }
        let error = #expect(throws: PostgresError.self) { try row.int64("word") }
        #expect(error?.code == .invalidValue)
    }

    @Test func affectedRowsCountsWhatTheStatementChanged() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("affected")
        try connection.execute("CREATE TABLE \(table) (id bigint)")
        #expect(try connection.query("INSERT INTO \(table) SELECT generate_series(1, 3)").affectedRows == 3)
        #expect(try connection.query("DELETE FROM \(table) WHERE id > $1", ["1"]).affectedRows == 2)
        try connection.execute("DROP TABLE \(table)")
    }

    @Test func executeRunsSeveralStatementsAtOnce() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("migration")
        try connection.execute("""
            CREATE TABLE \(table) (id bigint PRIMARY KEY);
            INSERT INTO \(table) VALUES (1), (2);
            CREATE TABLE IF NOT EXISTS \(table) (id bigint);
            """)
        #expect(try connection.query("SELECT count(*) AS n FROM \(table)")[0].int64("n") == 2)
        try connection.execute("DROP TABLE \(table)")
    }

    @Test func nulByteInAParameterIsRejectedBeforeSending() throws {
        let connection = try connectToTestPostgres()
        let error = #expect(throws: PostgresError.self) { try connection.query("SELECT $1::text", ["a\0b"]) }
        #expect(error?.code == .invalidParameter)
        #expect(!connection.isBroken)
    }

    @Test func syntaxErrorIsAQueryFailureAndTheConnectionStaysUsable() throws {
        let connection = try connectToTestPostgres()
        let error = #expect(throws: PostgresError.self) { try connection.query("SELEC 1") }
        #expect(error?.code == .queryFailed)
        #expect(error?.sqlState == "42601")
        #expect(error?.isRetriable == false)
        #expect(try connection.query("SELECT 1 AS one")[0].int64("one") == 1)
    }
}
