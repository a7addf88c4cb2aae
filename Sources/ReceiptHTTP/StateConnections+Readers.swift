import ReceiptCore
import ReceiptPostgres
import ReceiptRedis

/// Who has read a seq, and how many: members whose watermark reached it
/// (`rcpt:{cid}:read`) and, under message-level read, members who read it
/// individually above their watermark (the read-mark index `rcpt:{cid}:rxi`, one
/// entry per mark, kept by the worker's fold script). The two never overlap: a mark
/// is always above its reader's watermark.
///
/// A conversation is in Redis when either key is there; otherwise PostgreSQL
/// answers, with the same definitions and the same order.
extension StateConnections {
    func readCount(conversationID: String, seq: Int64) throws(StateReadError) -> Int64 {
        let (watermarks, index) = (RedisKeys.readWatermarks(conversationID), RedisKeys.readMarkIndex(conversationID))
        let replies = try redisPipeline([
            RedisCommand(["EXISTS", watermarks, index]), .zcount(watermarks, min: .inclusive(seq), max: .positiveInfinity),
            RedisCommand(["ZLEXCOUNT", index, "[" + RedisKeys.readMarkPrefix(seq), "(" + RedisKeys.readMarkPrefix(seq + 1)]),
        ])
        if try redisInt(replies[0], orZero: false) > 0 {
            return try redisInt(replies[1], orZero: false) + redisInt(replies[2], orZero: false)
        }
        return Int64(try postgres { connection throws(PostgresError) in
            try StateQueries.readCount(conversationID: conversationID, seq: seq, on: connection)
        })
    }

    func readers(
        conversationID: String, seq: Int64, limit: Int, after cursor: ReadersCursor?
    ) throws(StateReadError) -> ReadersPage {
        let (watermarks, index) = (RedisKeys.readWatermarks(conversationID), RedisKeys.readMarkIndex(conversationID))
        var first: [RedisCommand] = [RedisCommand(["EXISTS", watermarks, index]),
                                     .zcount(watermarks, min: .negativeInfinity, max: .exclusive(seq))]
        if let position = cursor?.position, position.isWatermark {
            first += [.zscore(watermarks, position.userID), RedisCommand(["ZRANK", watermarks, position.userID])]
        }
        let replies = try redisPipeline(first)
        guard try redisInt(replies[0], orZero: false) > 0 else {
            let stored = try postgres { connection throws(PostgresError) in
                try StateQueries.readers(conversationID: conversationID, seq: seq, limit: limit + 1,
                                         after: cursor?.position, on: connection)
            }
            return Self.page(stored.map { (SeqReader(userID: $0.userID, hasReadSeq: $0.hasReadSeq), $0.marked) },
                             limit: limit, seq: seq)
        }

        // Fetch one more than asked: whether it exists says whether a next page does.
        var found: [(reader: SeqReader, marked: Bool)] = []
        if cursor == nil || cursor?.position.isWatermark == true {
            var start = try redisInt(replies[1], orZero: false)  // the rank of the first watermark ≥ seq
            if case .watermark(let hasReadSeq, let userID) = cursor?.position {
                let stillThere = try replies[2].isNull ? nil : redisInt(replies[2], orZero: false)
                start = max(start, stillThere == hasReadSeq ? try redisInt(replies[3], orZero: false) + 1
                                                            : try rankAfter(hasReadSeq, userID, in: watermarks))
            }
            let entries = try redisPipeline([RedisCommand(
                ["ZRANGE", watermarks, String(start), String(start + Int64(limit)), "WITHSCORES"])])[0].array ?? []
            for pair in stride(from: 0, to: entries.count - 1, by: 2) {
                guard let userID = entries[pair].bytes else { throw Self.unexpectedReply }
                found.append((SeqReader(userID: String(decoding: userID, as: UTF8.self),
                                        hasReadSeq: try redisInt(entries[pair + 1], orZero: false)), false))
            }
        }
        if found.count <= limit {
            let prefix = RedisKeys.readMarkPrefix(seq)
            let from = if case .marked(let userID) = cursor?.position { "(" + prefix + userID } else { "[" + prefix }
            let entries = try redisPipeline([RedisCommand(
                ["ZRANGE", index, from, "(" + RedisKeys.readMarkPrefix(seq + 1), "BYLEX", "LIMIT", "0",
                 String(limit + 1 - found.count)])])[0].array ?? []
            let users = try entries.map { entry throws(StateReadError) in
                guard let bytes = entry.bytes, bytes.count > prefix.utf8.count else { throw Self.unexpectedReply }
                return String(decoding: bytes.dropFirst(prefix.utf8.count), as: UTF8.self)
            }
            if !users.isEmpty {
                let scores = try redisPipeline([.zmscore(watermarks, users)])[0].array ?? []
                guard scores.count == users.count else { throw Self.unexpectedReply }
                for (userID, score) in zip(users, scores) {
                    let hasReadSeq = try redisInt(score, orZero: true)
                    // A mark the watermark passed without the fold script (a re-seed's
                    // ZADD GT) is left over: that reader is in the watermark part.
                    if hasReadSeq >= seq { continue }
                    found.append((SeqReader(userID: userID, hasReadSeq: hasReadSeq), true))
                }
            }
        }
        return Self.page(found, limit: limit, seq: seq)
    }

    /// The rank just after (hasReadSeq, userID) in the watermark zset, when that
    /// member no longer holds that score (it read on, or its state was rebuilt):
    /// a binary search over the members holding exactly `hasReadSeq`, which Redis
    /// orders by their bytes. O(log N) round trips, only on this rare path.
    private func rankAfter(_ hasReadSeq: Int64, _ userID: String, in key: String) throws(StateReadError) -> Int64 {
        let replies = try redisPipeline([.zcount(key, min: .negativeInfinity, max: .exclusive(hasReadSeq)),
                                         .zcount(key, min: .inclusive(hasReadSeq), max: .inclusive(hasReadSeq))])
        var low = try redisInt(replies[0], orZero: false)
        var high = low + (try redisInt(replies[1], orZero: false))
        let cursorBytes = Array(userID.utf8)
        while low < high {
            let middle = (low + high) / 2
            let member = try redisPipeline([RedisCommand(["ZRANGE", key, String(middle), String(middle)])])[0].array
            guard let bytes = member?.first?.bytes else { break }  // the set shrank meanwhile
            if bytes.lexicographicallyPrecedes(cursorBytes) || bytes == cursorBytes { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first `limit` of `found` (up to one more than `limit`, in listing order),
    /// and a cursor after the last when there is more.
    private static func page(_ found: [(reader: SeqReader, marked: Bool)], limit: Int, seq: Int64) -> ReadersPage {
        var page = ReadersPage(readers: found.prefix(limit).map(\.reader), next: nil)
        if found.count > limit {
            let last = found[limit - 1].reader
            page.next = ReadersCursor(seq: seq, after: found[limit - 1].marked
                ? .marked(userID: last.userID) : .watermark(hasReadSeq: last.hasReadSeq, userID: last.userID))
        }
        return page
    }

    private static var unexpectedReply: StateReadError {
        StateReadError(.redis, isUnavailable: false, detail: "unexpected reply to a readers query")
    }
}
