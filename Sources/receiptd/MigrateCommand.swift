import ArgumentParser
import ReceiptPostgres

/// `receiptd migrate`: applies the schema migrations this binary knows. Safe to run
/// from several replicas at once and to run again; a database newer than the
/// binary is refused.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply PostgreSQL schema migrations, then exit.")

    @Option(help: "PostgreSQL, a libpq connection URI. Env: RECEIPTD_POSTGRES_URL. Required.")
    var postgresURL: String?

    func run() throws {
        let url: String
        do {
            url = try Settings().required(postgresURL, "RECEIPTD_POSTGRES_URL", "--postgres-url")
        } catch let error as ConfigurationError {
            throw ConfigurationError.exit(error)
        }
        let connection = try PostgresConnection.connect(url: url)
        let (from, to) = try Migrations.apply(on: connection)
        print(from == to ? "schema is current (version \(to))" : "migrated schema from version \(from) to \(to)")
    }
}
