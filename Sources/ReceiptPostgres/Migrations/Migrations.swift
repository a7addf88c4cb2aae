/// The versioned schema of receiptd's tables.
///
/// Tables are created unqualified, in the first schema of the connection's
/// `search_path` (`public` by default); every other type of this module reads and
/// writes them the same way. To keep receiptd in a schema of its own, connect with
/// `?options=-csearch_path%3Dreceiptd` in the URL (the schema must exist).
///
/// Invariants: versions are applied in order, each at most once, each in the same
/// transaction as its row in `receiptd_schema_version`; a binary never writes to a
/// database whose version it does not know.
public enum Migrations {
    /// SQL steps in order: `steps[0]` is version 1. Append, never edit a released step.
    static let steps: [String] = [schemaV1, schemaV2, schemaV3, schemaV4, schemaV5, schemaV6, schemaV7]

    /// The version this binary's code reads and writes.
    public static var latestVersion: Int { steps.count }

    static let createVersionTable = """
        CREATE TABLE IF NOT EXISTS receiptd_schema_version (
            version int PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// One lock per schema: replicas migrating the same schema at once take turns.
    static let lockSchema = """
        SELECT pg_advisory_xact_lock(hashtext('receiptd migrations'), hashtext(coalesce(current_schema(), '')))
        """

    static let currentVersion = """
        SELECT coalesce(max(version), 0) AS version FROM receiptd_schema_version
        """

    static let recordVersion = """
        INSERT INTO receiptd_schema_version (version) VALUES ($1::int)
        """

    /// Brings the schema to `latestVersion` in one transaction under an advisory
    /// lock, so concurrent replicas are safe and a failed step leaves nothing behind.
    /// Returns the version found and the version left; equal when nothing was to do.
    /// Throws `SchemaVersionError.databaseNewer` for a database a newer receiptd migrated.
    /// The connection must not be in a transaction.
    @discardableResult
    public static func apply(on connection: PostgresConnection) throws -> (from: Int, to: Int) {
        try connection.withTransaction { tx in
            try tx.query(lockSchema)
            try tx.execute(createVersionTable)
            let found = try version(on: tx)
            guard found <= latestVersion else {
                throw SchemaVersionError.databaseNewer(database: found, known: latestVersion)
            }
            for index in found..<latestVersion {
                try tx.execute(steps[index])
                try tx.query(recordVersion, [String(index + 1)])
            }
            return (from: found, to: latestVersion)
        }
    }

    /// Verifies, without changing anything, that the schema is at `latestVersion`.
    /// Throws `SchemaVersionError`: `.databaseOutdated` ("run receiptd migrate") or
    /// `.databaseNewer` ("upgrade receiptd").
    public static func check(on connection: PostgresConnection) throws {
        let exists = try connection.query("SELECT to_regclass('receiptd_schema_version') IS NOT NULL AS exists")
        let found = try exists[0].string("exists") == "t" ? version(on: connection) : 0
        if found > latestVersion { throw SchemaVersionError.databaseNewer(database: found, known: latestVersion) }
        if found < latestVersion { throw SchemaVersionError.databaseOutdated(database: found, known: latestVersion) }
    }

    private static func version(on connection: PostgresConnection) throws -> Int {
        Int(try connection.query(currentVersion)[0].int64("version") ?? 0)
    }
}

/// The database's schema is not the one this binary was built for.
public enum SchemaVersionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A newer receiptd migrated the database; this one must not touch it.
    case databaseNewer(database: Int, known: Int)
    /// Migrations are pending and start-up was asked not to apply them.
    case databaseOutdated(database: Int, known: Int)

    public var description: String {
        switch self {
        case let .databaseNewer(database, known):
            "database schema version \(database) is newer than this receiptd (knows \(known)); upgrade receiptd"
        case let .databaseOutdated(database, known):
            "database schema version \(database) is older than this receiptd (needs \(known)); run receiptd migrate"
        }
    }
}
