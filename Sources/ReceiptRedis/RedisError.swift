/// Every failure of this module: a bad URL, a connection that failed or broke, or an
/// error reply from the server.
///
/// `description` names the code and the operation only, so it is safe to log; the
/// server's or hiredis' own words, which may quote keys or values, are in `detail` and
/// `debugDescription`.
public struct RedisError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var code: Code
    /// The operation that failed: `connect`, `pipeline`, a command name such as `EVALSHA`.
    public var context: String
    /// hiredis' error string or the server's full error reply. May contain user data.
    public var detail: String?

    public init(_ code: Code, context: String, detail: String? = nil) {
        self.code = code
        self.context = context
        self.detail = detail
    }

    /// True when the same work may succeed if retried, on a new connection when this
    /// one `isBroken`: connection failures, I/O errors, timeouts, a server that is
    /// loading or busy.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .io, .timeout, .connectionClosed, .serverBusy: true
        default: false
        }
    }

    /// The context of the failure `RedisConnection.abandon` records.
    static let abandonedContext = "abandoned"

    /// True for the failure of a connection its owner gave up on purpose
    /// (`RedisConnection.abandon`), not one Redis or the network broke.
    public var isAbandonment: Bool { code == .connectionClosed && context == Self.abandonedContext }

    /// The first word of the server's error reply (`WRONGTYPE`, `CROSSSLOT`, `MOVED`,
    /// `OOM`, `ERR`…): a code of Redis's own, safe to log, and what an operator needs
    /// to tell one refusal from another. nil for errors that are not replies.
    public var serverCode: String? {
        guard code == .errorReply || code == .noScript || code == .serverBusy, let detail else { return nil }
        let word = detail.prefix { $0 != " " }
        guard !word.isEmpty, word.count <= 32, word.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) else {
            return nil
        }
        return String(word)
    }

    /// Redis refuses the command as it is, and will refuse it again: the key holds
    /// another type (`WRONGTYPE`), the keys span slots or live on another node of a
    /// cluster (`CROSSSLOT`, `MOVED`, `ASK`), or the user may not run it (`NOPERM`).
    /// Connection failures, `LOADING`, `BUSY`, `OOM` and `READONLY` pass.
    public var isPermanent: Bool {
        guard let serverCode else { return false }
        return ["WRONGTYPE", "CROSSSLOT", "MOVED", "ASK", "NOPERM"].contains(serverCode)
    }

    public var description: String {
        "Redis \(code)" + (serverCode.map { " \($0)" } ?? "") + " (\(context))"
    }

    public var debugDescription: String {
        detail.map { "\(description): \($0)" } ?? description
    }

    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidURL = "invalid URL"
            case connectionFailed = "connection failed"
            case authenticationFailed = "authentication failed"
            case io = "I/O error"
            case timeout = "timeout"
            case connectionClosed = "connection closed"
            case protocolError = "protocol error"
            case outOfMemory = "out of memory"
            case errorReply = "error reply"
            case noScript = "script not loaded"
            case serverBusy = "server busy"
            case unexpectedReply = "unexpected reply"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        /// The URL does not have the form `redis://[:password@]host[:port][/db]`.
        public static let invalidURL = Code(.invalidURL)
        /// The TCP connection could not be made (refused, unreachable, timed out).
        public static let connectionFailed = Code(.connectionFailed)
        /// AUTH or SELECT was refused.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// A read or write on the socket failed.
        public static let io = Code(.io)
        /// No reply arrived within the connection's timeout.
        public static let timeout = Code(.timeout)
        /// The server closed the connection.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server sent bytes that are not RESP.
        public static let protocolError = Code(.protocolError)
        public static let outOfMemory = Code(.outOfMemory)
        /// The server answered this one command with an error reply.
        public static let errorReply = Code(.errorReply)
        /// EVALSHA named a script the server does not have: load it and retry.
        public static let noScript = Code(.noScript)
        /// LOADING, BUSY, TRYAGAIN, MASTERDOWN or CLUSTERDOWN: the server cannot serve this now.
        public static let serverBusy = Code(.serverBusy)
        /// A reply of a shape the command cannot return, e.g. a wrong SCRIPT LOAD sha.
        public static let unexpectedReply = Code(.unexpectedReply)
    }
}

extension RedisError {
    /// The error for a server error reply, classified by its first word.
    static func reply(_ message: String, command: String) -> RedisError {
        let prefix = message.prefix { $0 != " " }
        let code: Code = switch prefix {
        case "NOSCRIPT": .noScript
        case "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN": .serverBusy
        default: .errorReply
        }
        return RedisError(code, context: command, detail: message)
    }
}
