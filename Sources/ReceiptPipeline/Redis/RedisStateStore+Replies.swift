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

    /// The marks a refused `MarksReadScript` call counted; nil for any other reply.
    static func marksOverBudget(_ reply: Result<RedisReply, RedisError>) -> Int? {
        guard case .failure(let error) = reply, let detail = error.detail,
              detail.hasPrefix(MarksReadScript.overBudgetError) else { return nil }
        return Int(detail.dropFirst(MarksReadScript.overBudgetError.count + 1).prefix { $0.isNumber }) ?? 0
    }
}
