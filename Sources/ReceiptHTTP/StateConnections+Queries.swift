import ReceiptPostgres
import ReceiptPipeline
import ReceiptRedis

/// The four reads, each one Redis pipeline and, for what Redis lacks, PostgreSQL.
/// A conversation is "in Redis" when its key is there; a missing member of a present
/// key is 0, as the worker loads a conversation's keys whole.
extension StateConnections {
    func readStates(userID: String, conversationIDs ids: [String]) throws(StateReadError) -> [String: ReadState] {
        let replies = try redisPipeline(ids.flatMap { id in
            [RedisCommand.get(RedisKeys.maxSeq(id)), .zscore(RedisKeys.readWatermarks(id), userID)]
        })
        var states: [String: ReadState] = [:]
        var missing: [String] = []
        for (index, id) in ids.enumerated() {
            let seq = replies[2 * index]
            guard !seq.isNull else {
                missing.append(id)
                continue
            }
            states[id] = ReadState(
                hasReadSeq: try redisInt(replies[2 * index + 1], orZero: true), maxSeq: try redisInt(seq, orZero: false))
        }
        guard !missing.isEmpty else { return states }

        let idArray = PostgresArrayLiteral.text(missing)
        let maxSeqs = try postgresInts(
            "SELECT conversation_id, max_seq FROM conversation_seq WHERE conversation_id = ANY($1::text[])",
            [idArray], value: "max_seq")
        let watermarks = try postgresInts(
            "SELECT conversation_id, has_read_seq FROM read_state WHERE user_id = $1 AND conversation_id = ANY($2::text[])",
            [userID, idArray], value: "has_read_seq")
        for id in missing {
            states[id] = ReadState(hasReadSeq: watermarks[id] ?? 0, maxSeq: maxSeqs[id] ?? 0)
        }
        return states
    }

    func maxSeq(conversationID: String) throws(StateReadError) -> Int64 {
        let seq = try redisPipeline([.get(RedisKeys.maxSeq(conversationID))])[0]
        if !seq.isNull { return try redisInt(seq, orZero: false) }
        return try postgresInts(
            "SELECT conversation_id, max_seq FROM conversation_seq WHERE conversation_id = $1",
            [conversationID], value: "max_seq")[conversationID] ?? 0
    }

    func readCount(conversationID: String, seq: Int64) throws(StateReadError) -> Int64 {
        let key = RedisKeys.readWatermarks(conversationID)
        let replies = try redisPipeline([.exists(key), .zcount(key, min: .inclusive(seq), max: .positiveInfinity)])
        if try redisInt(replies[0], orZero: false) == 1 { return try redisInt(replies[1], orZero: false) }
        let rows = try postgresQuery(
            "SELECT count(*) AS readers FROM read_state WHERE conversation_id = $1 AND has_read_seq >= $2::bigint",
            [conversationID, String(seq)])
        return try postgresInt(rows.first, "readers") ?? 0
    }

    func deliveryState(userID: String, conversationID: String) throws(StateReadError) -> DeliveryState {
        let watermarks = RedisKeys.deliveryWatermarks(conversationID)
        let replies = try redisPipeline([
            .get(RedisKeys.maxSeq(conversationID)), .exists(watermarks), .zscore(watermarks, userID),
            .zrangeByScore(RedisKeys.deliveryMarks(conversationID, userID), min: .negativeInfinity, max: .positiveInfinity,
                           withScores: true),
        ])
        let maxSeq = replies[0].isNull ? try self.maxSeq(conversationID: conversationID) : try redisInt(replies[0], orZero: false)
        if try redisInt(replies[1], orZero: false) == 1 {
            // [member, score, member, score, …]: the score is the seq.
            let pairs = replies[3].array ?? []
            let acked = try stride(from: 1, to: pairs.count, by: 2).map { index throws(StateReadError) in
                try redisInt(pairs[index], orZero: false)
            }
            return DeliveryState(deliveredSeq: try redisInt(replies[2], orZero: true), ackedAbove: acked, maxSeq: maxSeq)
        }
        let rows = try postgresQuery(
            "SELECT delivered_seq, delivered_seqs FROM delivery_state WHERE conversation_id = $1 AND user_id = $2",
            [conversationID, userID])
        let acked = try rows.first.map { row throws(StateReadError) in try int64Array(row, "delivered_seqs") } ?? []
        return DeliveryState(deliveredSeq: try postgresInt(rows.first, "delivered_seq") ?? 0, ackedAbove: acked, maxSeq: maxSeq)
    }
}
