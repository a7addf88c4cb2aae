import ReceiptPostgres
import TestSupport

/// A fresh connection to the test database of `RECEIPTD_TEST_POSTGRES_URL`.
func connectToTestPostgres() throws -> PostgresConnection {
    try PostgresConnection.connect(url: TestStack.postgresURL())
}

/// A table name no other test, or earlier run, uses: tests run in parallel on one database.
func uniqueTable(_ name: String) -> String {
    "receiptd_test_\(name)_\(UInt32.random(in: 0...UInt32.max))"
}
