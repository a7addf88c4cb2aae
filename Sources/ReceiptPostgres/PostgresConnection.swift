import CLibPQ

/// One blocking connection to PostgreSQL, in UTF-8 text format.
///
/// Not thread-safe, like the `PGconn` it owns: a connection has one owning thread,
/// which makes every call, and it is deliberately not `Sendable`. Server NOTICEs are
/// dropped rather than printed to stderr.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Takes ownership of `handle`.
    private init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// Connects with a libpq URI, `postgresql://user[:password]@host[:port]/db[?param=…]`.
    /// `?connect_timeout=5` bounds the wait; libpq's default is to wait forever.
    /// `client_encoding` is always UTF8.
    public static func connect(url: String) throws(PostgresError) -> PostgresConnection {
        // The URI is expanded in place of dbname; the options after it override it.
        guard let keywords = CStringArray(["dbname", "client_encoding", "fallback_application_name", nil]),
              let values = CStringArray([url, "UTF8", "receiptd", nil])
        else { throw PostgresError(.invalidURL, context: "connect", message: "NUL byte in the URI") }
        try validate(url)
        let handle = keywords.withPointers { keywords in
            values.withPointers { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let handle else {
            throw PostgresError(.connectionFailed, context: "connect", message: "out of memory")
        }
        let connection = PostgresConnection(handle)  // PQfinish on every throw below
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(.connectionFailed, context: "connect", message: connectionErrorMessage(handle))
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return connection
    }

    /// Throws `.invalidURL` for a URI libpq cannot parse, so it is not mistaken for a
    /// retriable connection failure.
    private static func validate(_ url: String) throws(PostgresError) {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &error) else {
            let message = error.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(error)
            throw PostgresError(.invalidURL, context: "connect", message: message)
        }
        PQconninfoFree(options)
    }

    /// True when the connection is not usable (PQstatus is not CONNECTION_OK).
    public var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Closes and reopens the connection with the same parameters. Session state and
    /// any open transaction are lost.
    public func reset() throws(PostgresError) {
        PQreset(handle)
        guard !isBroken else {
            throw PostgresError(.connectionFailed, context: "reset", message: connectionErrorMessage(handle))
        }
    }

    /// Runs one statement with PQexecParams. Parameters (`$1`, `$2`, …) are bound in
    /// text format, never spliced into the SQL; nil is NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        let context = "query \(Self.keyword(of: sql))"
        guard !sql.utf8.contains(0), let values = CStringArray(parameters) else {
            throw PostgresError(.invalidParameter, context: context, message: "NUL byte in SQL or a parameter")
        }
        let result = values.withPointers { values in
            PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        return try PostgresResult.take(result, from: handle, context: context).rows()
    }

    /// Runs SQL with the simple protocol: several `;`-separated statements are allowed
    /// (for migrations) and run in one implicit transaction unless they contain their own.
    public func execute(_ sql: String) throws(PostgresError) {
        _ = try run(sql)
    }

    /// Runs `body` between BEGIN and COMMIT and returns its value.
    ///
    /// When `body` throws, the transaction is rolled back and the error rethrown. When a
    /// statement in `body` failed but its error was caught, COMMIT can only roll back:
    /// that throws `.transactionRolledBack`.
    /// Not nestable: PostgreSQL has one transaction per connection.
    public func withTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try execute("BEGIN")
        let value: T
        do {
            value = try body(self)
        } catch {
            if !isBroken { try? execute("ROLLBACK") }  // the body's error is the one to report
            throw error
        }
        let commit = try run("COMMIT")
        guard commit.commandStatus == "COMMIT" else {
            throw PostgresError(.transactionRolledBack, context: "COMMIT", message: "server answered \(commit.commandStatus)")
        }
        return value
    }

    private func run(_ sql: String) throws(PostgresError) -> PostgresResult {
        let context = Self.keyword(of: sql)
        guard !sql.utf8.contains(0) else {
            throw PostgresError(.invalidParameter, context: context, message: "NUL byte in SQL")
        }
        return try PostgresResult.take(PQexec(handle, sql), from: handle, context: context)
    }

    /// The statement's first word, upper-cased, to name it in errors without its values.
    private static func keyword(of sql: String) -> String {
        sql.drop { $0.isWhitespace }.prefix { $0.isLetter }.uppercased()
    }
}
