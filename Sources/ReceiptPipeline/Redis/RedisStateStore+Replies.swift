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
}
