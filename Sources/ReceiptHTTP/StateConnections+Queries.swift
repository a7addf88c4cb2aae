import ReceiptCore
import ReceiptPostgres
import ReceiptRedis

/// The reads of one user or one conversation, each one Redis pipeline and, for what Redis lacks, PostgreSQL
/// through `StateQueries`.
/// A conversation is "in Redis" when its key is there; a missing member of a present
/// key is 0, as the worker loads a conversation's keys whole.
extension StateConnections {
    /// The user's own read position per conversation: the higher of their read and
    /// private read watermarks, and the marks above it.
    func readStates(userID: String, conversationIDs ids: [String]) throws(StateReadError) -> [IDKey: ReadState] {
        // The read marks are counted whole: the worker folds the marks its watermark
        // passes, and never keeps one above maxSeq (a read above it is refused). Only
        // a private watermark above the public one leaves marks below the position:
        // those few are counted again, above it, in a second round trip.
        let perID = 4
        let replies = try redisPipeline(ids.flatMap { id in
            [RedisCommand.get(RedisKeys.maxSeq(id)), .zscore(RedisKeys.readWatermarks(id), userID),
             RedisCommand(["ZCARD", RedisKeys.readMarks(id, userID)]),
             .zscore(RedisKeys.privateReadWatermarks(id), userID)]
        })
        var states: [IDKey: ReadState] = [:]
        var missing: [String] = []
        var recount: [(id: String, above: Int64)] = []
        for (index, id) in ids.enumerated() {
            let seq = replies[perID * index]
            guard !seq.isNull else {
                missing.append(id)
                continue
            }
            let publicSeq = try redisInt(replies[perID * index + 1], orZero: true)
            let privateSeq = try redisInt(replies[perID * index + 3], orZero: true)
            let marks = try redisInt(replies[perID * index + 2], orZero: true)
            states[IDKey(id)] = ReadState(hasReadSeq: max(publicSeq, privateSeq), maxSeq: try redisInt(seq, orZero: false),
                                          readAbove: marks)
            if privateSeq > publicSeq, marks > 0 { recount.append((id, privateSeq)) }
        }
        if !recount.isEmpty {
            let counts = try redisPipeline(recount.map { entry in
                RedisCommand(["ZCOUNT", RedisKeys.readMarks(entry.id, userID), "(\(entry.above)", "+inf"])
            })
            for (entry, count) in zip(recount, counts) { states[IDKey(entry.id)]?.readAbove = try redisInt(count, orZero: true) }
        }
        guard !missing.isEmpty else { return states }

        let stored = try postgres { connection throws(PostgresError) in
            try StateQueries.readState(userID: userID, conversationIDs: missing, on: connection)
        }
        for id in missing {
            let key = IDKey(id)
            states[key] = ReadState(hasReadSeq: stored[key]?.hasReadSeq ?? 0, maxSeq: stored[key]?.maxSeq ?? 0,
                                    readAbove: stored[key]?.readAbove ?? 0)
        }
        return states
    }

    func maxSeq(conversationID: String) throws(StateReadError) -> Int64 {
        let seq = try redisPipeline([.get(RedisKeys.maxSeq(conversationID))])[0]
        if !seq.isNull { return try redisInt(seq, orZero: false) }
        return try postgres { connection throws(PostgresError) in
            try StateQueries.maxSeq(conversationID: conversationID, on: connection)
        } ?? 0
    }

    /// What the user acked united with what they read (read implies delivered, single
    /// chats): the delivery watermark and marks, and the read watermark and marks.
    func deliveryState(userID: String, conversationID: String) throws(StateReadError) -> DeliveryState {
        let (delivered, read) = (RedisKeys.deliveryWatermarks(conversationID), RedisKeys.readWatermarks(conversationID))
        let replies = try redisPipeline([
            .get(RedisKeys.maxSeq(conversationID)), RedisCommand(["EXISTS", delivered, read]),
            .zscore(delivered, userID), allScores(RedisKeys.deliveryMarks(conversationID, userID)),
            .zscore(read, userID), allScores(RedisKeys.readMarks(conversationID, userID)),
        ])
        let maxSeq = replies[0].isNull ? try self.maxSeq(conversationID: conversationID) : try redisInt(replies[0], orZero: false)
        if try redisInt(replies[1], orZero: false) > 0 {
            let acked = MarkedWatermark(watermark: try redisInt(replies[2], orZero: true), marks: try scores(replies[3]))
            let readState = MarkedWatermark(watermark: try redisInt(replies[4], orZero: true), marks: try scores(replies[5]))
            let state = acked.merged(with: readState)
            return DeliveryState(deliveredSeq: state.watermark, ackedAbove: state.marks, maxSeq: maxSeq)
        }
        let stored = try postgres { connection throws(PostgresError) in
            try StateQueries.deliveryState(conversationID: conversationID, userID: userID, on: connection)
        }
        return DeliveryState(deliveredSeq: stored?.watermark ?? 0, ackedAbove: stored?.marks ?? [], maxSeq: maxSeq)
    }

    /// Every member of a marks zset (score = member = seq), with its score.
    private func allScores(_ key: String) -> RedisCommand {
        .zrangeByScore(key, min: .negativeInfinity, max: .positiveInfinity, withScores: true)
    }

    /// The scores of a `[member, score, member, score, …]` reply: the seqs.
    private func scores(_ reply: RedisReply) throws(StateReadError) -> [Int64] {
        let pairs = reply.array ?? []
        return try stride(from: 1, to: pairs.count, by: 2).map { index throws(StateReadError) in
            try redisInt(pairs[index], orZero: false)
        }
    }
}
