import ReceiptPostgres
import Testing

@Suite struct PostgresTransactionTests {
    struct Abort: Error {}

    private func count(_ table: String, on connection: PostgresConnection) throws -> Int64? {
        try connection.query("SELECT count(*) AS n FROM \(table)")[0].int64("n")
    }

    @Test func bodyThatReturnsIsCommitted() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("commit")
        try connection.execute("CREATE TABLE \(table) (id bigint)")
        let value = try connection.withTransaction { tx in
            try tx.query("INSERT INTO \(table) VALUES (1)")
            return "done"
        }
        #expect(value == "done")
        #expect(try count(table, on: try connectToTestPostgres()) == 1)
        try connection.execute("DROP TABLE \(table)")
    }

    @Test func bodyThatThrowsIsRolledBackAndItsErrorRethrown() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("rollback")
        try connection.execute("CREATE TABLE \(table) (id bigint)")
        #expect(throws: Abort.self) {
            try connection.withTransaction { tx in
                try tx.query("INSERT INTO \(table) VALUES (1)")
                throw Abort()
            }
        }
        #expect(try count(table, on: connection) == 0)
        try connection.execute("DROP TABLE \(table)")
    }

    @Test func caughtStatementFailureMakesCommitThrowRolledBack() throws {
        let connection = try connectToTestPostgres()
        let table = uniqueTable("aborted")
        try connection.execute("CREATE TABLE \(table) (id bigint PRIMARY KEY)")
        let error = #expect(throws: PostgresError.self) {
            try connection.withTransaction { tx in
                try tx.query("INSERT INTO \(table) VALUES (1)")
                _ = try? tx.query("INSERT INTO \(table) VALUES (1)")  // unique violation, swallowed
            }
        }
        #expect(error?.code == .transactionRolledBack)
        #expect(try count(table, on: connection) == 0)
        try connection.execute("DROP TABLE \(table)")
    }
}
