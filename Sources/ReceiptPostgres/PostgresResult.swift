import CLibPQ

/// Owns one `PGresult` and frees it on deinit. Internal: callers only see the
/// `PostgresRows` copied out of it.
final class PostgresResult {
    private let handle: OpaquePointer

    /// Takes ownership of `handle`.
    private init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { PQclear(handle) }

    /// Takes ownership of what a `PQexec*` call on `connection` returned, and throws
    /// the failure it reports.
    static func take(_ handle: OpaquePointer?, from connection: OpaquePointer, context: String) throws(PostgresError) -> PostgresResult {
        guard let handle else {  // out of memory, or the connection is gone
            throw PostgresError(lostOrFailed(connection), context: context, message: connectionErrorMessage(connection))
        }
        let result = PostgresResult(handle)  // cleared on every throw below
        switch PQresultStatus(handle) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw PostgresError(
                lostOrFailed(connection), sqlState: result.field(.sqlState), context: context, message: result.errorMessage)
        default:
            let status = String(cString: PQresStatus(PQresultStatus(handle)))
            throw PostgresError(.unexpectedResult, context: context, message: "result status \(status)")
        }
    }

    /// The command tag, e.g. `INSERT 0 3` or `ROLLBACK`.
    var commandStatus: String { String(cString: PQcmdStatus(handle)) }

    /// Every row, copied out as text.
    func rows() -> PostgresRows {
        let columnCount = PQnfields(handle)
        let columns = (0..<columnCount).map { String(cString: PQfname(handle, $0)) }
        let rows = (0..<PQntuples(handle)).map { row in
            (0..<columnCount).map { column -> String? in
                guard PQgetisnull(handle, row, column) == 0 else { return nil }
                let bytes = UnsafeRawBufferPointer(start: PQgetvalue(handle, row, column), count: Int(PQgetlength(handle, row, column)))
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return PostgresRows(columns: columns, rows: rows, affectedRows: Int(String(cString: PQcmdTuples(handle))))
    }

    /// libpq's `PG_DIAG_*` field codes: character macros, which Swift cannot import.
    private enum DiagnosticField: UInt8 {
        case sqlState = 0x43  // 'C'
        case primaryMessage = 0x4D  // 'M'
        case detail = 0x44  // 'D'
    }

    private func field(_ field: DiagnosticField) -> String? {
        PQresultErrorField(handle, Int32(field.rawValue)).map { String(cString: $0) }
    }

    /// The primary message and its DETAIL, or libpq's whole message for client-side errors.
    private var errorMessage: String {
        guard let primary = field(.primaryMessage) else {
            return String(cString: PQresultErrorMessage(handle))
        }
        return field(.detail).map { "\(primary) DETAIL: \($0)" } ?? primary
    }

    /// A failure while the connection is fine is the statement's; otherwise the connection was lost.
    private static func lostOrFailed(_ connection: OpaquePointer) -> PostgresError.Code {
        PQstatus(connection) == CONNECTION_OK ? .queryFailed : .connectionLost
    }
}

/// libpq's last message on `connection`, without the trailing newline.
func connectionErrorMessage(_ connection: OpaquePointer) -> String {
    var message = String(cString: PQerrorMessage(connection))
    while message.last?.isNewline == true { message.removeLast() }
    return message
}
