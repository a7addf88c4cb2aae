import CHiredis

/// One reply from the server, copied out of hiredis.
///
/// A top-level error reply is never a `RedisReply`: it arrives as a `RedisError`
/// (`.errorReply`, `.noScript`, …). `.error` only appears as an element of an array,
/// e.g. in a script's returned table.
public enum RedisReply: Sendable, Equatable {
    /// A bulk string: binary-safe bytes.
    case bulk([UInt8])
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    /// A null bulk string or null array: a missing key or member.
    case null
    case error(String)

    /// The integer, or a bulk that spells a decimal integer (as ZSCORE's score does).
    public var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// A bulk decoded as UTF-8 (invalid bytes become U+FFFD), or the status text.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// The bytes of a bulk.
    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { bytes } else { nil }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    public var isNull: Bool { self == .null }
}

extension RedisReply {
    /// A deep copy of a hiredis reply; the caller still frees `reply`.
    init(copying reply: redisReply) {
        switch reply.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Array(UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(reply.integer))
        case REDIS_REPLY_ARRAY:
            self = .array((0..<reply.elements).map { RedisReply(copying: reply.element[$0]!.pointee) })
        case REDIS_REPLY_STATUS:
            self = .status(Self.text(reply))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(reply))
        default:  // REDIS_REPLY_NIL
            self = .null
        }
    }

    static func text(_ reply: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self)
    }
}
