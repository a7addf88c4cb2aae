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
