import ReceiptRedis

/// Decoding replies. A value of the wrong shape is a `StateReadError` that is
/// not "unavailable" (500): the store answered, but not as the schema says.
extension StateConnections {
    /// An integer reply, or a bulk spelling one (GET, ZSCORE); null is 0 when `orZero`.
    func redisInt(_ reply: RedisReply, orZero: Bool) throws(StateReadError) -> Int64 {
        if orZero, reply.isNull { return 0 }
        guard let value = reply.int64 else {
            throw StateReadError(.redis, isUnavailable: false, detail: "expected an integer reply")
        }
        return value
    }
}
