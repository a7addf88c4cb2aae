import ReceiptCore
import ReceiptRedis

/// The Redis commands of a batch's two round trips, built apart from the connection
/// so that what the worker sends can be read, tested and timed on its own (the
/// micro-benchmarks build exactly these), and the decoding of the read's replies:
/// `read` puts each command where `snapshots` expects its reply, in one type, so
/// the two orders cannot drift apart.
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

    /// Phase one: the sentinel; every mark of the batch's marked users in one
    /// `MarksReadScript` call (none when the batch marks nothing), which refuses when
    /// they are more than `marksBudget` (nil: no limit); then per conversation its
    /// maxSeq (and the seqs an earlier run allocated from the batch's first position
    /// on), the readers' and the recipients' watermarks; then the allocation script
    /// calls for every new message of the batch (`allocationCalls`), then the
    /// sentinel again. The store sends its writer check (`WriterPositionScript`) in
    /// place of the two sentinel reads, built as it sends.
    ///
    /// The sentinel is `scope`'s: on a cluster the store builds one such read per
    /// slot the batch touches (`ScopedGroups`), each inside its slot.
    public func read(_ queries: [ConversationQuery], epoch: String, trimBelow: [IDKey: Int64] = [:],
                     marksBudget: Int? = nil, scope: CheckScope = .single) -> [RedisCommand] {
        var commands: [RedisCommand] = [.get(scope.sentinel)]
        commands.reserveCapacity(queries.count * 3 + 3)
        let marks = Self.marksKeys(queries)
        if !marks.isEmpty {
            commands.append(.evalsha(MarksReadScript.script, keys: marks, args: [String(max(0, marksBudget ?? 0))]))
        }
        for query in queries {
            let cid = query.conversationID
            if query.needsMaxSeq {
                commands.append(.get(RedisKeys.Parts.maxSeq(cid)))
                if let first = query.firstPosition {
                    commands.append(.zcount(RedisKeys.Parts.allocationPositions(cid), min: .inclusive(first),
                                            max: .positiveInfinity))
                }
            }
            if !query.readers.isEmpty {
                commands.append(.zmscore(RedisKeys.Parts.readWatermarks(cid), query.readers))
            }
            if !query.recipients.isEmpty {
                commands.append(.zmscore(RedisKeys.Parts.deliveryWatermarks(cid), query.recipients))
            }
            if !query.privateReaders.isEmpty {
                commands.append(.zmscore(RedisKeys.Parts.privateReadWatermarks(cid), query.privateReaders))
            }
        }
        commands += allocationCalls(queries, epoch: epoch, trimBelow: trimBelow, sentinel: scope.sentinel)
        commands.append(.get(scope.sentinel))
        return commands
    }

    /// The marks zsets `read` reads, in the order `snapshots` takes them: per
    /// conversation its marked readers' read marks, then its recipients' delivery marks.
    private static func marksKeys(_ queries: [ConversationQuery]) -> [String] {
        var keys: [String] = []
        for query in queries {
            for reader in query.markedReaders { keys.append(RedisKeys.readMarks(query.conversationID, reader)) }
            for recipient in query.recipients { keys.append(RedisKeys.deliveryMarks(query.conversationID, recipient)) }
        }
        return keys
    }

    /// The snapshots of `queries` from the replies to `read`'s commands, decoded in
    /// the order `read` wrote them (the check replies, first and last, are the
    /// caller's to check).
    func snapshots(of queries: [ConversationQuery], from replies: [Result<RedisReply, RedisError>])
        throws(RedisError) -> [IDKey: ConversationSnapshot] {
        var cursor = replies.dropFirst().makeIterator()
        var marks: IndexingIterator<[RedisReply]> = queries.contains { !$0.markedReaders.isEmpty || !$0.recipients.isEmpty }
            ? try Self.array(cursor.next()).makeIterator() : [].makeIterator()
        func nextMarks() throws(RedisError) -> [Int64] {
            guard let reply = marks.next() else { throw RedisError(.unexpectedReply, context: "fewer marks than users") }
            return try Self.seqs(.success(reply))
        }
        var snapshots: [IDKey: ConversationSnapshot] = [:]
        snapshots.reserveCapacity(queries.count)
        for query in queries {
            var snapshot = ConversationSnapshot()
            if query.needsMaxSeq {
                snapshot.maxSeq = try Self.int64(cursor.next()) ?? 0
                if query.firstPosition != nil {
                    // Seqs an earlier run allocated at or after this batch's start are
                    // the batch's (or later events') own: not yet there for its checks.
                    snapshot.maxSeq -= try Self.int64(cursor.next()) ?? 0
                }
            }
            if !query.readers.isEmpty {
                let scores = try Self.array(cursor.next())
                for (reader, score) in zip(query.readers, scores) {
                    if let seq = try Self.int64(.success(score)) { snapshot.hasReadSeqs[IDKey(reader)] = seq }
                }
            }
            for reader in query.markedReaders {
                let seqs = try nextMarks()
                if !seqs.isEmpty { snapshot.readMarks[IDKey(reader)] = seqs }
            }
            if !query.recipients.isEmpty {
                let scores = try Self.array(cursor.next())
                for (recipient, score) in zip(query.recipients, scores) {
                    let watermark = try Self.int64(.success(score)) ?? 0
                    let seqs = try nextMarks()
                    // Every recipient asked is here, with nothing acked too: the batch
                    // keeps their delivery state whole (see `ConversationSnapshot`).
                    snapshot.deliveries[IDKey(recipient)] = MarkedWatermark(watermark: watermark, marks: seqs)
                }
            }
            if !query.privateReaders.isEmpty {
                let scores = try Self.array(cursor.next())
                for (reader, score) in zip(query.privateReaders, scores) {
                    if let seq = try Self.int64(.success(score)) { snapshot.privateReadSeqs[IDKey(reader)] = seq }
                }
            }
            snapshots[IDKey(query.conversationID)] = snapshot
        }
        try readAllocations(queries, from: &cursor, into: &snapshots)
        return snapshots
    }

    /// The seqs the allocation script calls returned, one per new message, in query order.
    private func readAllocations(
        _ queries: [ConversationQuery], from cursor: inout some IteratorProtocol<Result<RedisReply, RedisError>>,
        into snapshots: inout [IDKey: ConversationSnapshot]
    ) throws(RedisError) {
        var seqs: [RedisReply] = []
        var used = 0
        for query in queries where !query.allocations.isEmpty {
            if used == seqs.count {
                seqs = try Self.array(cursor.next())
                used = 0
            }
            guard seqs.count - used >= query.allocations.count else {
                throw RedisError(.unexpectedReply, context: "allocation script returned too few seqs")
            }
            var allocated: [Int64] = []
            allocated.reserveCapacity(query.allocations.count)
            for reply in seqs[used..<used + query.allocations.count] {
                guard let seq = try Self.int64(.success(reply)), seq > 0 else {
                    throw RedisError(.unexpectedReply, context: "allocation script returned a reply that is not a seq")
                }
                allocated.append(seq)
            }
            used += query.allocations.count
            snapshots[IDKey(query.conversationID)]?.allocatedSeqs = allocated
        }
    }


    /// Phase two: one `ZADD GT CH` per conversation whose watermarks moved (and one
    /// more for its private watermarks), one fold script per user whose marked state
    /// changed.
    public func write(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite] = []) -> [RedisCommand] {
        var commands: [RedisCommand] = []
        commands.reserveCapacity(writes.count + markedWrites.count)
        for write in writes { appendWatermarkCommands(write, to: &commands) }
        commands += markedWrites.map { foldMarks($0.kind, $0.conversationID, $0.userID, $0.state) }
        return commands
    }

    /// Phase two split by scope (`ScopedGroups`): on a cluster, each slot's writes
    /// apart, so each can end with its slot's writer check.
    public func write(_ writes: [WatermarkWrites], _ markedWrites: [MarkedWrite],
                      cluster: Bool) -> [(scope: CheckScope, commands: [RedisCommand])] {
        guard cluster else { return [(.single, write(writes, markedWrites))] }
        var order: [CheckScope] = []
        var commands: [CheckScope: [RedisCommand]] = [:]
        func scope(of conversationID: String) -> CheckScope {
            let scope = CheckScope.slot(of: conversationID)
            if commands[scope] == nil { order.append(scope) }
            return scope
        }
        for write in writes {
            appendWatermarkCommands(write, to: &commands[scope(of: write.conversationID), default: []])
        }
        for marked in markedWrites {
            commands[scope(of: marked.conversationID), default: []].append(
                foldMarks(marked.kind, marked.conversationID, marked.userID, marked.state))
        }
        return order.map { ($0, commands[$0]!) }
    }

    /// Appends the `ZADD GT CH` of one conversation's moved watermarks: public, then
    /// private (appended in place: no array per conversation on the hot path).
    private func appendWatermarkCommands(_ write: WatermarkWrites, to commands: inout [RedisCommand]) {
        if !write.hasReadSeqs.isEmpty {
            commands.append(.zadd(RedisKeys.Parts.readWatermarks(write.conversationID), greaterThan: true, changed: true,
                                  write.hasReadSeqs.map { (score: $0.hasReadSeq, member: $0.userID) }))
        }
        if !write.privateReadSeqs.isEmpty {
            commands.append(.zadd(RedisKeys.Parts.privateReadWatermarks(write.conversationID), greaterThan: true,
                                  changed: true, write.privateReadSeqs.map { (score: $0.hasReadSeq, member: $0.userID) }))
        }
    }

    /// The fold script call that stores one user's marked state.
    func foldMarks(_ kind: MarkedWrite.Kind, _ cid: String, _ userID: String, _ state: MarkedWatermark) -> RedisCommand {
        .evalsha(FoldMarksScript.script, keys: RedisKeys.marked(kind, cid, userID),
                 args: [userID, String(state.watermark), String(maxMarksPerUser)] + state.marks.map { String($0) })
    }

    /// The allocation script calls for the new messages of `queries`, in query order,
    /// each call taking whole conversations up to `AllocationScript.argumentsPerCall`.
    func allocationCalls(_ queries: [ConversationQuery], epoch: String, trimBelow: [IDKey: Int64],
                         sentinel: String = RedisKeys.sentinel) -> [RedisCommand] {
        var calls: [RedisCommand] = []
        var chunk: [Int] = []  // indices into `queries`: the queries themselves are not copied
        var arguments = 2  // the epoch and the window
        for index in queries.indices where !queries[index].allocations.isEmpty {
            let needed = 2 + 2 * queries[index].allocations.count
            if !chunk.isEmpty, arguments + needed > AllocationScript.argumentsPerCall {
                calls.append(allocationCall(queries, chunk, epoch: epoch, trimBelow: trimBelow, sentinel: sentinel,
                                            arguments: arguments))
                chunk.removeAll(keepingCapacity: true)
                arguments = 2
            }
            chunk.append(index)
            arguments += needed
        }
        if !chunk.isEmpty {
            calls.append(allocationCall(queries, chunk, epoch: epoch, trimBelow: trimBelow, sentinel: sentinel,
                                        arguments: arguments))
        }
        return calls
    }

    /// One allocation script call for the conversations of `queries` at `chunk`, written
    /// straight into the command (keys included): no `String` per key, count or
    /// position. See `AllocationScript` for the layout of its keys and arguments.
    private func allocationCall(_ queries: [ConversationQuery], _ chunk: [Int], epoch: String,
                                trimBelow: [IDKey: Int64], sentinel: String, arguments: Int) -> RedisCommand {
        let keyCount = 1 + 3 * chunk.count
        return RedisCommand("EVALSHA", argumentCount: 2 + keyCount + arguments) { writer in
            writer.append(AllocationScript.script.sha1)
            writer.append(keyCount)
            writer.append(sentinel)
            for index in chunk {
                let cid = queries[index].conversationID
                RedisKeys.Parts.maxSeq(cid).write(to: &writer)
                RedisKeys.Parts.allocationPositions(cid).write(to: &writer)
                RedisKeys.Parts.clientMessages(cid).write(to: &writer)
            }
            writer.append(epoch)
            writer.append(clientMessageWindow)
            for index in chunk {
                let allocations = queries[index].allocations, positions = queries[index].allocationPositions
                writer.append(allocations.count)
                writer.append(trimBelow[IDKey(queries[index].conversationID)] ?? 0)
                for allocation in allocations.indices {  // as `ClientMessage.storedID`
                    writer.append(allocations[allocation].senderID, ClientMessage.separator,
                                  allocations[allocation].clientMsgID)
                }
                for allocation in allocations.indices {
                    writer.append(allocation < positions.count ? positions[allocation] : -1)
                }
            }
        }
    }

    // MARK: Decoding replies

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
