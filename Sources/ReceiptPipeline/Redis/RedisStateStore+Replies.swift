import ReceiptRedis

/// Reading the replies of the store's pipelines.
extension RedisStateStore {
    static func isStateLost(_ reply: Result<RedisReply, RedisError>) -> Bool {
        if case .failure(let error) = reply, error.detail?.hasPrefix(AllocationScript.stateLostError) == true {
            return true
        }
        return false
    }

    static func isNoScript(_ reply: Result<RedisReply, RedisError>) -> Bool {
        if case .failure(let error) = reply, error.code == .noScript { return true }
        return false
    }

    static func int64(_ reply: Result<RedisReply, RedisError>?) throws(RedisError) -> Int64? {
        guard let reply else { throw RedisError(.unexpectedReply, context: "fewer replies than commands") }
        switch try reply.get() {
        case .null: return nil
        case .integer(let value): return value
        case let other:
            guard let text = other.string, let value = Int64(text) ?? Double(text).map({ Int64($0) }) else {
                throw RedisError(.unexpectedReply, context: "expected an integer reply")
            }
            return value
        }
    }

    static func seqs(_ reply: Result<RedisReply, RedisError>?) throws(RedisError) -> [Int64] {
        try array(reply).map { member throws(RedisError) in
            guard let seq = member.int64 else { throw RedisError(.unexpectedReply, context: "a mark is not a seq") }
            return seq
        }
    }

    static func array(_ reply: Result<RedisReply, RedisError>?) throws(RedisError) -> [RedisReply] {
        guard let reply else { throw RedisError(.unexpectedReply, context: "fewer replies than commands") }
        guard case .array(let elements) = try reply.get() else {
            throw RedisError(.unexpectedReply, context: "expected an array reply")
        }
        return elements
    }
}
