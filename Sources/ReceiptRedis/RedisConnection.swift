import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking TCP connection to Redis: TCP_NODELAY (hiredis sets it), keepalive, and
/// a timeout on connecting and on every socket read and write.
///
/// Not thread-safe, like the `redisContext` it owns: a connection has one owning
/// thread, which makes every call, and it is deliberately not `Sendable`.
///
/// After a connection-level failure (I/O error, timeout, EOF, protocol error) the
/// replies can no longer be matched to commands: the connection `isBroken`, every later
/// call throws that same failure, and the caller opens a new one.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    /// The connection-level failure that broke this connection.
    private var failure: RedisError?
    /// Pipelines written (`send`) and pipelines whose replies were read (`receive`):
    /// replies come back in the order of the sends, so they are collected in it.
    private var sentPipelines: UInt64 = 0
    private var receivedPipelines: UInt64 = 0

    /// Takes ownership of `context`.
    private init(context: UnsafeMutablePointer<redisContext>) {
        self.context = context
    }

    deinit { redisFree(context) }

    /// Connects, then sends AUTH when `endpoint` has a password and SELECT when its
    /// database is not 0. `timeoutMs` bounds the connect and each later read or write.
    public static func connect(_ endpoint: RedisEndpoint, timeoutMs: Int) throws(RedisError) -> RedisConnection {
        precondition(timeoutMs > 0, "a Redis connection needs a positive timeout")
        let timeout = timeval(tv_sec: timeoutMs / 1000, tv_usec: (timeoutMs % 1000) * 1000)
        let operation = "connect \(endpoint.host):\(endpoint.port)"
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), timeout) else {
            throw RedisError(.outOfMemory, context: operation)
        }
        let connection = RedisConnection(context: context)  // frees the context on every throw below
        guard context.pointee.err == 0 else {
            throw RedisError(.connectionFailed, context: operation, detail: connection.errorString)
        }
        guard redisSetTimeout(context, timeout) == REDIS_OK, redisEnableKeepAlive(context) == REDIS_OK else {
            throw RedisError(.connectionFailed, context: operation, detail: connection.errorString)
        }
        if let password = endpoint.password {
            do {
                _ = try connection.execute(RedisCommand(["AUTH", password]))
            } catch where error.code == .errorReply {
                throw RedisError(.authenticationFailed, context: "AUTH", detail: error.detail)
            }
        }
        if endpoint.database != 0 {
            _ = try connection.execute(RedisCommand("SELECT", argumentCount: 1) { $0.append(endpoint.database) })
        }
        return connection
    }

    /// True once a connection-level failure happened; every call then throws it.
    public var isBroken: Bool { failure != nil }

    /// Sends all commands in ONE write and reads one reply per command, in order.
    ///
    /// An error reply to one command is reported in its slot (`.failure`) and does not
    /// fail the others; a connection-level failure (I/O, timeout, EOF, protocol) throws
    /// and the connection is then unusable (`isBroken`).
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        try receive(send(commands))
    }

    /// Commands written to Redis whose replies are not read yet: what `send` returns
    /// and `receive` takes.
    public struct PendingReplies {
        fileprivate let commands: [RedisCommand]
        fileprivate let connection: ObjectIdentifier
        /// Which send this was (1, 2, …); 0 for an empty one.
        fileprivate let sequence: UInt64
    }

    /// Writes all commands (one write) and returns without waiting for Redis: the
    /// caller does other work meanwhile, then collects the replies with `receive`.
    /// More pipelines may be sent before that; Redis runs them in order, and their
    /// replies must be collected in the order they were sent. `execute` waits until
    /// every sent pipeline was collected.
    public func send(_ commands: [RedisCommand]) throws(RedisError) -> PendingReplies {
        if let failure { throw failure }
        guard !commands.isEmpty else {
            return PendingReplies(commands: commands, connection: ObjectIdentifier(self), sequence: 0)
        }
        let pending = PendingReplies(commands: commands, connection: ObjectIdentifier(self),
                                     sequence: sentPipelines + 1)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(commands.reduce(0) { $0 + $1.encoded.count })
        for command in commands { buffer.append(contentsOf: command.encoded) }
        try append(buffer, operation: "pipeline")
        var done: Int32 = 0
        while done == 0 {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw breakConnection("pipeline") }
        }
        sentPipelines += 1
        return pending
    }

    /// The replies to what `send` wrote, one per command, in order (see `pipeline`).
    public func receive(_ pending: PendingReplies) throws(RedisError) -> [Result<RedisReply, RedisError>] {
        precondition(pending.connection == ObjectIdentifier(self), "replies collected on another connection")
        guard !pending.commands.isEmpty else { return [] }
        if let failure { throw failure }
        precondition(pending.sequence == receivedPipelines + 1, "replies collected out of the order they were sent in")
        var replies: [Result<RedisReply, RedisError>] = []
        replies.reserveCapacity(pending.commands.count)
        for command in pending.commands {
            replies.append(try readReply(to: command, operation: "pipeline"))
        }
        receivedPipelines += 1
        return replies
    }

    /// Gives the connection up on purpose: every later call, including collecting
    /// replies already sent for, throws `connectionClosed`. For a caller that must not
    /// use what a pipeline sent behind a failed one would return.
    public func abandon(_ reason: String) {
        guard failure == nil else { return }
        failure = RedisError(.connectionClosed, context: RedisError.abandonedContext, detail: reason)
    }

    /// Sends one command and returns its reply; an error reply throws.
    public func execute(_ command: RedisCommand) throws(RedisError) -> RedisReply {
        if let failure { throw failure }
        precondition(sentPipelines == receivedPipelines, "execute while an earlier send's replies are unread")
        try append(command.encoded, operation: command.name)
        return try readReply(to: command, operation: command.name).get()
    }

    /// SCRIPT LOAD, checking that the server names the script by the `sha1` computed here.
    public func load(_ script: RedisScript) throws(RedisError) {
        let reply = try execute(.scriptLoad(script))
        guard reply.string == script.sha1 else {
            throw RedisError(.unexpectedReply, context: "SCRIPT LOAD", detail: "expected \(script.sha1), got \(reply)")
        }
    }

    /// Adds `bytes` to hiredis's output buffer; the next write or reply read sends them.
    private func append(_ bytes: [UInt8], operation: String) throws(RedisError) {
        if let failure { throw failure }
        let status = bytes.withUnsafeBytes { raw in
            redisAppendFormattedCommand(context, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard status == REDIS_OK else { throw breakConnection(operation) }
    }

    /// The next reply, which answers `command`. The first call after `send` writes the
    /// buffered commands; later ones mostly parse bytes already read.
    private func readReply(to command: RedisCommand, operation: String) throws(RedisError) -> Result<RedisReply, RedisError> {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw breakConnection(operation) }
        defer { freeReplyObject(raw) }
        let reply = raw.assumingMemoryBound(to: redisReply.self).pointee
        if reply.type == REDIS_REPLY_ERROR {
            return .failure(.reply(RedisReply.text(reply), command: command.name))
        }
        return .success(RedisReply(copying: reply))
    }

    /// Records the failure hiredis left in the context; call right after the failing call.
    private func breakConnection(_ operation: String) -> RedisError {
        let systemError = errno
        let code: RedisError.Code = switch context.pointee.err {
        case REDIS_ERR_IO where systemError == EAGAIN || systemError == EWOULDBLOCK: .timeout
        case REDIS_ERR_EOF: .connectionClosed
        case REDIS_ERR_PROTOCOL: .protocolError
        case REDIS_ERR_OOM: .outOfMemory
        default: .io
        }
        let error = RedisError(code, context: operation, detail: errorString)
        failure = error
        return error
    }

    private var errorString: String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
