import ReceiptCore
import ReceiptRedis

/// The Redis commands of a batch's two round trips, built apart from the connection
/// so that what the worker sends can be read, tested and timed on its own (the
/// micro-benchmarks build exactly these).
public struct BatchCommands: Sendable {
    /// How many of a conversation's latest seqs keep their clientMsgID for
    /// de-duplication in Redis. Default: 10,000.
    public var clientMessageWindow: Int
    /// The most marks kept per user above a watermark. Default: 10,000.
    public var maxMarksPerUser: Int

    public init(clientMessageWindow: Int = 10_000, maxMarksPerUser: Int = 10_000) {
        self.clientMessageWindow = clientMessageWindow
        self.maxMarksPerUser = maxMarksPerUser
    }

    /// Phase one: the sentinel, then per conversation its maxSeq (and the seqs an
    /// earlier run allocated from the batch's first position on), the readers'
    /// watermarks and marks and the recipients' delivery state; then the allocation
    /// script calls for every new message of the batch (`allocationCalls`), then the
    /// sentinel again.
    public func read(_ queries: [ConversationQuery], epoch: String, trimBelow: [String: Int64] = [:]) -> [RedisCommand] {
        var commands: [RedisCommand] = [.get(RedisKeys.sentinel)]
        commands.reserveCapacity(queries.count * 3 + 2)
        for query in queries {
            let cid = query.conversationID
            if query.needsMaxSeq {
                commands.append(.get(RedisKeys.maxSeq(cid)))
                if let first = query.firstPosition {
                    commands.append(.zcount(RedisKeys.allocationPositions(cid), min: .inclusive(first),
                                            max: .positiveInfinity))
                }
            }
            if !query.readers.isEmpty {
                commands.append(.zmscore(RedisKeys.readWatermarks(cid), query.readers))
            }
            for reader in query.markedReaders { commands.append(Self.allMarks(RedisKeys.readMarks(cid, reader))) }
            if !query.recipients.isEmpty {
                commands.append(.zmscore(RedisKeys.deliveryWatermarks(cid), query.recipients))
                for recipient in query.recipients {
                    commands.append(Self.allMarks(RedisKeys.deliveryMarks(cid, recipient)))
                }
            }
        }
        commands += allocationCalls(queries, epoch: epoch, trimBelow: trimBelow)
        commands.append(.get(RedisKeys.sentinel))
        return commands
    }

    /// Phase two: one `ZADD GT CH` per conversation whose watermarks moved, one fold
    /// script per user whose marked state changed.
    public func write(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) -> [RedisCommand] {
        var commands = writes.map { write in
            RedisCommand.zadd(RedisKeys.readWatermarks(write.conversationID), greaterThan: true, changed: true,
                              write.hasReadSeqs.map { (score: $0.hasReadSeq, member: $0.userID) })
        }
        commands += markedWrites.map { foldMarks($0.kind, $0.conversationID, $0.userID, $0.state) }
        return commands
    }

    /// The fold script call that stores one user's marked state.
    func foldMarks(_ kind: MarkedWrite.Kind, _ cid: String, _ userID: String, _ state: MarkedWatermark) -> RedisCommand {
        .evalsha(FoldMarksScript.script, keys: RedisKeys.marked(kind, cid, userID),
                 args: [userID, String(state.watermark), String(maxMarksPerUser)] + state.marks.map { String($0) })
    }

    /// The allocation script calls for the new messages of `queries`, in query order,
    /// each call taking whole conversations up to `AllocationScript.argumentsPerCall`.
    func allocationCalls(_ queries: [ConversationQuery], epoch: String, trimBelow: [String: Int64]) -> [RedisCommand] {
        var calls: [RedisCommand] = []
        var keys: [String] = [RedisKeys.sentinel]
        var args: [String] = [epoch, String(clientMessageWindow)]
        func finishCall() {
            guard keys.count > 1 else { return }
            calls.append(.evalsha(AllocationScript.script, keys: keys, args: args))
            keys.removeSubrange(1...)
            args.removeSubrange(2...)
        }
        for query in queries where !query.allocations.isEmpty {
            if args.count + 2 * query.allocations.count + 2 > AllocationScript.argumentsPerCall { finishCall() }
            let cid = query.conversationID
            keys += [RedisKeys.maxSeq(cid), RedisKeys.allocationPositions(cid), RedisKeys.clientMessages(cid)]
            args.append(String(query.allocations.count))
            args.append(String(trimBelow[cid] ?? 0))
            for allocation in query.allocations { args.append(allocation.clientMsgID) }
            for index in query.allocations.indices {
                args.append(index < query.allocationPositions.count ? String(query.allocationPositions[index]) : "-1")
            }
        }
        finishCall()
        return calls
    }

    /// Every mark of one marks zset, ascending (members are the seqs).
    private static func allMarks(_ key: String) -> RedisCommand {
        .zrangeByScore(key, min: .negativeInfinity, max: .positiveInfinity)
    }
}
