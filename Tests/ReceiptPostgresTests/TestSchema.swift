import ReceiptPostgres
import TestSupport

/// A schema of its own for one test, so tests can migrate and flush in parallel on
/// one database. Connections made with `connect()` have it as their only search_path
/// entry, which is how receiptd is pointed at a schema (`options=-csearch_path%3D…`).
struct TestSchema {
    let name: String
    let url: String

    /// Creates an empty schema `t_<random>`.
    init() throws {
        name = "t_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let base = try TestStack.postgresURL()
        try PostgresConnection.connect(url: base).execute("CREATE SCHEMA \(name)")
        url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(name)"
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(url: url)
    }

    /// A connection to a schema migrated to the latest version.
    func migrated() throws -> PostgresConnection {
        let connection = try connect()
        try Migrations.apply(on: connection)
        return connection
    }

    func drop() {
        _ = try? PostgresConnection.connect(url: TestStack.postgresURL()).execute("DROP SCHEMA \(name) CASCADE")
    }
}

/// Runs `body` in a fresh schema, dropped afterwards whether it throws or not.
func withTestSchema<T>(_ body: (TestSchema) throws -> T) throws -> T {
    let schema = try TestSchema()
    defer { schema.drop() }
    return try body(schema)
}
