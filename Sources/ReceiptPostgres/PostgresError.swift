/// Every failure of this module: connecting, a lost connection, a statement the server
/// refused, or a value that is not what the caller asked for.
///
/// `description` holds the code, operation and SQLSTATE only, so it is safe to log; the
/// server's message, which may quote values (`Key (id)=(42) already exists`), is in
/// `message` and `debugDescription`.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var code: Code
    /// The five-character SQLSTATE the server reported, e.g. `23505`; nil for failures
    /// found by libpq or this module.
    public var sqlState: String?
    /// The operation that failed: `connect`, `query INSERT`, `COMMIT`, `column offset`.
    public var context: String
    /// libpq's or the server's message, with its DETAIL. May contain user data.
    public var message: String?

    public init(_ code: Code, sqlState: String? = nil, context: String, message: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.context = context
        self.message = message
    }

    /// True when the same work may succeed if retried, after `reset()` when the
    /// connection `isBroken`: connection failures and losses, class 08 (connection
    /// exception), 40001 serialization failure, 40P01 deadlock, 57P01-57P03 shutdown
    /// or startup, 53300 too many connections.
    public var isRetriable: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || Self.retriableStates.contains(sqlState)
    }

    private static let retriableStates: Set<String> = ["40001", "40P01", "57P01", "57P02", "57P03", "53300"]

    /// True when retrying the same work can never succeed: a parameter libpq cannot
    /// send (a NUL byte), and SQLSTATE classes 22 (data exception: a value out of
    /// range), 23 (integrity constraint violation), 42 (syntax error or access rule
    /// violation: a table gone, a privilege revoked) and 54 (program limit exceeded).
    /// Everything else that is not `isRetriable` (out of memory, disk full, a
    /// cancelled statement) may pass, and is retried with backoff.
    public var isPermanent: Bool {
        if code == .invalidParameter { return true }
        guard let sqlState, !isRetriable else { return false }
        return Self.permanentClasses.contains(String(sqlState.prefix(2)))
    }

    private static let permanentClasses: Set<String> = ["22", "23", "42", "54"]

    public var description: String {
        "PostgreSQL \(code) (\(context))" + (sqlState.map { ", SQLSTATE \($0)" } ?? "")
    }

    public var debugDescription: String {
        message.map { "\(description): \($0)" } ?? description
    }

    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidURL = "invalid connection URL"
            case connectionFailed = "connection failed"
            case connectionLost = "connection lost"
            case queryFailed = "query failed"
            case transactionRolledBack = "transaction rolled back"
            case invalidParameter = "invalid parameter"
            case unexpectedResult = "unexpected result"
            case columnNotFound = "column not found"
            case invalidValue = "invalid value"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        /// libpq could not parse the connection URI.
        public static let invalidURL = Code(.invalidURL)
        /// The server could not be reached or refused the login.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke during a call; `reset()` or reconnect.
        public static let connectionLost = Code(.connectionLost)
        /// The server refused the statement; `sqlState` says why.
        public static let queryFailed = Code(.queryFailed)
        /// COMMIT found the transaction aborted by an earlier failed statement.
        public static let transactionRolledBack = Code(.transactionRolledBack)
        /// SQL or a parameter contains a NUL byte, which libpq's C strings cannot carry.
        public static let invalidParameter = Code(.invalidParameter)
        /// A result libpq can return but this module does not handle, e.g. COPY.
        public static let unexpectedResult = Code(.unexpectedResult)
        /// A row was asked for a column the result does not have.
        public static let columnNotFound = Code(.columnNotFound)
        /// A column's text is not of the type asked for, e.g. `abc` read as Int64.
        public static let invalidValue = Code(.invalidValue)
    }
}
