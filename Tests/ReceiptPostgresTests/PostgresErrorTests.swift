import ReceiptPostgres
import Testing

@Suite struct PostgresErrorTests {
    @Test func uniqueViolationCarriesSQLState23505AndKeepsTheValueOutOfTheDescription() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("unique")
        try connection.execute("CREATE TABLE \(table) (id text PRIMARY KEY)")
        try connection.query("INSERT INTO \(table) VALUES ($1)", ["secret-value"])

        let error = #expect(throws: PostgresError.self) {
            try connection.query("INSERT INTO \(table) VALUES ($1)", ["secret-value"])
        }
        #expect(error?.code == .queryFailed)
        #expect(error?.sqlState == "23505")
        #expect(error?.isRetriable == false)
        #expect(error?.description == "PostgreSQL query failed (query INSERT), SQLSTATE 23505")
        #expect(error.map { String(reflecting: $0).contains("secret-value") } == true)  // DETAIL, for debugging
        try connection.execute("DROP TABLE \(table)")
    }

    @Test(arguments: ["40001", "40P01", "57P01", "08006", "08003", "53300"])
    func transientServerStatesAreRetriable(sqlState: String) {
        #expect(PostgresError(.queryFailed, sqlState: sqlState, context: "query").isRetriable)
    }

    @Test(arguments: ["23505", "42601", "22P02", "25P02"])
    func statementErrorsAreNotRetriable(sqlState: String) {
        #expect(!PostgresError(.queryFailed, sqlState: sqlState, context: "query").isRetriable)
    }
}
