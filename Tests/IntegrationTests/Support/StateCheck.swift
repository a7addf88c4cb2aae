import ReceiptCore
import ReceiptKafka
import ReceiptPostgres
import ReceiptRedis
import TestSupport

/// Compares what the worker left behind with the reference model. Each check
/// returns the differences it found, one readable line each; none means equal.
enum StateCheck {
    /// maxSeq, every watermark and every clientMsgID allocation in Redis (the
    /// cluster of `clusterNodes` when given; the stack's cluster in the cluster pass
    /// when `url` is the stack's Redis).
    static func redis(_ model: ReferenceModel, url: String, clusterNodes: [RedisEndpoint] = []) throws -> [String] {
        let clusterNodes = clusterNodes.isEmpty && url == (try? TestStack.redisURL())
            ? try TestStack.redisClusterNodes() : clusterNodes
        let redis = RedisClient(clusterNodes.isEmpty ? .single(try RedisEndpoint(url: url)) : .cluster(seeds: clusterNodes),
                                timeoutMs: 10_000)
        var commands: [RedisCommand] = []
        var expected: [(what: String, value: Int64)] = []
        var deliveries: [(cid: String, user: String)] = []
        for (cid, maxSeq) in model.maxSeq {
            commands.append(.get("rcpt:{\(cid)}:seq"))
            expected.append(("maxSeq of \(cid)", maxSeq))
            if model.exactConversations.contains(cid) {  // one read-mark index entry per mark
                commands.append(RedisCommand(["ZCARD", RedisKeys.readMarkIndex(cid)]))
                expected.append(("read-mark index entries of \(cid)",
                                 Int64((model.hasReadSeq[cid] ?? [:]).keys.reduce(0) { $0 + model.readAbove(cid, $1).count })))
            }
            for (user, seq) in model.hasReadSeq[cid] ?? [:] {
                commands.append(.zscore("rcpt:{\(cid)}:read", user))
                expected.append(("hasReadSeq of \(user) in \(cid)", seq))
                if model.exactConversations.contains(cid) {
                    commands.append(.zcount("rcpt:{\(cid)}:rx:\(user)", min: .negativeInfinity, max: .positiveInfinity))
                    expected.append(("seqs read above the watermark of \(user) in \(cid)", Int64(model.readAbove(cid, user).count)))
                }
            }
            for (user, seq) in model.privateReadSeq[cid] ?? [:] {
                commands.append(.zscore(RedisKeys.privateReadWatermarks(cid), user))
                expected.append(("private hasReadSeq of \(user) in \(cid)", seq))
            }
            for (clientMsgID, seq) in model.allocations[cid] ?? [:] {
                let sender = model.senders[cid]?[clientMsgID] ?? ""
                commands.append(.zscore("rcpt:{\(cid)}:cm", ClientMessage(cid, sender: sender, clientMsgID).storedID))
                expected.append(("seq of \(clientMsgID) in \(cid)", seq))
            }
            for user in (model.acked[cid] ?? [:]).keys { deliveries.append((cid, user)) }
        }
        for (cid, user) in deliveries {  // after every other read: their replies follow `expected`'s
            commands.append(.zscore("rcpt:{\(cid)}:dlv", user))
            commands.append(.zrangeByScore("rcpt:{\(cid)}:dx:\(user)", min: .negativeInfinity, max: .positiveInfinity))
            commands.append(.zscore("rcpt:{\(cid)}:read", user))
            commands.append(.zrangeByScore("rcpt:{\(cid)}:rx:\(user)", min: .negativeInfinity, max: .positiveInfinity))
        }
        let replies = try redis.pipeline(commands)
        var differences = zip(expected, replies).compactMap { expected, reply in
            // A missing key or member reads as 0, as receiptd itself reads it.
            let actual = (try? reply.get())?.int64 ?? 0
            return actual == expected.value ? nil : "Redis: \(expected.what) is \(actual), expected \(expected.value)"
        }
        // Delivery state as receiptd reads it: what the user acked united with what
        // they read (read implies delivered).
        func marked(_ at: Int) -> MarkedWatermark {
            MarkedWatermark(watermark: (try? replies[at].get())?.int64 ?? 0,
                            marks: ((try? replies[at + 1].get())?.array ?? []).compactMap(\.int64))
        }
        for (index, (cid, user)) in deliveries.enumerated() {
            let at = expected.count + 4 * index
            let stored = marked(at).merged(with: marked(at + 2))
            let (expectedWatermark, above) = model.delivery(cid, user)
            if stored != MarkedWatermark(watermark: expectedWatermark, marks: above) {
                differences.append("Redis: delivery of \(user) in \(cid) is \(stored), expected \(expectedWatermark) with \(above) above")
            }
        }
        return differences
    }

    /// The same state in PostgreSQL, as the last flush left it.
    static func postgres(_ model: ReferenceModel, url: String) throws -> [String] {
        let connection = try PostgresConnection.connect(url: url)
        let cids = PostgresArrayLiteral.text(Array(model.maxSeq.keys))
        var actual: [String: Int64] = [:]
        for row in try connection.query(
            "SELECT conversation_id, max_seq FROM conversation_seq WHERE conversation_id = ANY($1::text[])", [cids]) {
            actual["maxSeq of \(try row.string("conversation_id") ?? "")"] = try row.int64("max_seq")
        }
        for row in try connection.query(
            "SELECT conversation_id, user_id, has_read_seq FROM read_state WHERE conversation_id = ANY($1::text[])", [cids]) {
            actual["hasReadSeq of \(try row.string("user_id") ?? "") in \(try row.string("conversation_id") ?? "")"] =
                try row.int64("has_read_seq")
        }
        for row in try connection.query(
            "SELECT conversation_id, user_id, has_read_seq FROM private_read_state WHERE conversation_id = ANY($1::text[])",
            [cids]) {
            actual["private hasReadSeq of \(try row.string("user_id") ?? "") in \(try row.string("conversation_id") ?? "")"] =
                try row.int64("has_read_seq")
        }
        for row in try connection.query(
            "SELECT conversation_id, client_msg_id, seq FROM client_message WHERE conversation_id = ANY($1::text[])", [cids]) {
            actual["seq of \(try row.string("client_msg_id") ?? "") in \(try row.string("conversation_id") ?? "")"] =
                try row.int64("seq")
        }
        for row in try connection.query(
            "SELECT conversation_id, user_id, has_read_seq, read_seqs FROM read_state WHERE conversation_id = ANY($1::text[])",
            [cids]) {
            let stored = MarkedWatermark(watermark: try row.int64("has_read_seq") ?? 0, marks: try row.int64Array("read_seqs") ?? [])
            actual["seqs read above the watermark of \(try row.string("user_id") ?? "") in \(try row.string("conversation_id") ?? "")"] =
                Int64(stored.marks.count)
        }
        // Delivery as receiptd reads it: acks united with reads (read implies delivered).
        for (cid, readers) in model.acked {
            for user in readers.keys {
                let stored = try StateQueries.deliveryState(conversationID: cid, userID: user, on: connection)
                actual["delivery of \(user) in \(cid)"] = stored?.watermark
                actual["delivery of \(user) in \(cid) (count above)"] = stored.map { Int64($0.marks.count) }
            }
        }
        var differences: [String] = []
        for (cid, readers) in model.acked {
            for user in readers.keys {
                let (watermark, above) = model.delivery(cid, user)
                compare(&differences, actual, "delivery of \(user) in \(cid)", watermark)
                compare(&differences, actual, "delivery of \(user) in \(cid) (count above)", Int64(above.count))
            }
        }
        for (cid, maxSeq) in model.maxSeq {
            compare(&differences, actual, "maxSeq of \(cid)", maxSeq)
            for (user, seq) in model.hasReadSeq[cid] ?? [:] {
                compare(&differences, actual, "hasReadSeq of \(user) in \(cid)", seq)
                if model.exactConversations.contains(cid) {
                    compare(&differences, actual, "seqs read above the watermark of \(user) in \(cid)",
                            Int64(model.readAbove(cid, user).count))
                }
            }
            for (user, seq) in model.privateReadSeq[cid] ?? [:] {
                compare(&differences, actual, "private hasReadSeq of \(user) in \(cid)", seq)
            }
            for (id, seq) in model.allocations[cid] ?? [:] { compare(&differences, actual, "seq of \(id) in \(cid)", seq) }
        }
        return differences
    }

    private static func compare(_ differences: inout [String], _ actual: [String: Int64], _ what: String, _ expected: Int64) {
        let value = actual[what] ?? (expected == 0 ? 0 : nil)
        if value != expected {
            differences.append("PostgreSQL: \(what) is \(value.map(String.init) ?? "missing"), expected \(expected)")
        }
    }

    /// The notify topic: every clientMsgID announced with exactly its seq (so no two
    /// messages share one), and for every reader the newest watermark announced.
    static func notifications(_ model: ReferenceModel, _ notifications: [Notification]) -> [String] {
        var differences: [String] = []
        var seqs: [String: Set<Int64>] = [:]
        var newest: [String: Int64] = [:]
        // What a client knows was delivered, per conversation and user: what the
        // deliveryReceipts said, and in a single chat what the reader's
        // hasReadReceipts said (read implies delivered).
        var toldDelivered: [String: Set<Int64>] = [:]
        var newestPrivately: [String: Int64] = [:]
        for notification in notifications {
            // A private read is told to its reader's own devices alone, as a
            // hasReadReceipt; it counts for nothing a peer or the group learns.
            if notification.sourceEventIDs.contains(where: model.privateEventIDs.contains) {
                guard case .hasReadReceipt(let tips) = notification.payload, notification.recvID == tips.markAsReadUserID else {
                    differences.append("notify: a private read leaked: \(notification)")
                    continue
                }
                let key = "\(tips.conversationID)/\(tips.markAsReadUserID)"
                newestPrivately[key] = max(newestPrivately[key] ?? -1, tips.hasReadSeq)
                continue
            }
            switch notification.payload {
            case .seqAssigned(let clientMsgID, let seq, let sender):
                seqs["\(notification.conversationID)/\(clientMsgID)", default: []].insert(seq)
                // Sending reads what came before (conversation-level read; the peer
                // learns it from the message itself), so it is delivered too.
                if notification.sessionType == .single, !model.exactConversations.contains(notification.conversationID) {
                    toldDelivered["\(notification.conversationID)/\(sender)", default: []].formUnion(1...seq)
                }
            case .hasReadReceipt(let tips):
                let key = "\(tips.conversationID)/\(tips.markAsReadUserID)"
                newest[key] = max(newest[key] ?? -1, tips.hasReadSeq)
                if notification.sessionType == .single {
                    toldDelivered[key, default: []].formUnion(tips.seqs + (0...max(0, tips.hasReadSeq)).dropFirst())
                }
            case .deliveryReceipt(let tips):
                let key = "\(tips.conversationID)/\(tips.deliveredUserID)"
                toldDelivered[key, default: []].formUnion(tips.seqs + (0...max(0, tips.deliveredSeq)).dropFirst())
            default:
                break
            }
        }
        for (cid, recipients) in model.acked {
            for user in recipients.keys {
                let watermark = model.delivery(cid, user).watermark
                let told = toldDelivered["\(cid)/\(user)"] ?? []
                var toldWatermark: Int64 = 0
                while told.contains(toldWatermark + 1) { toldWatermark += 1 }
                if toldWatermark != watermark {
                    differences.append("notify: the receipts told \(user)'s peer in \(cid) of delivery up to \(toldWatermark), expected \(watermark)")
                }
            }
        }
        for (cid, allocations) in model.allocations {
            for (clientMsgID, seq) in allocations where seqs["\(cid)/\(clientMsgID)"] != [seq] {
                differences.append("notify: \(clientMsgID) in \(cid) announced with seqs \(seqs["\(cid)/\(clientMsgID)"] ?? []), expected [\(seq)]")
            }
        }
        // The newest receipt carries what the last read that changed the state
        // announced, or, when a repeat above it was replayed, up to that repeat.
        func checkNewest(_ kind: String, _ must: [String: [String: Int64]], _ may: [String: [String: Int64]],
                         _ told: [String: Int64]) {
            for cid in Set(must.keys).union(may.keys) {
                for user in Set((must[cid] ?? [:]).keys).union((may[cid] ?? [:]).keys) {
                    let floor = must[cid]?[user], ceiling = max(floor ?? -1, may[cid]?[user] ?? -1)
                    let newest = told["\(cid)/\(user)"]
                    let fine = switch (newest, floor) {
                    case (nil, nil): true
                    case (nil, _?): false
                    case let (value?, floor): value >= (floor ?? 0) && value <= ceiling
                    }
                    if !fine {
                        differences.append("notify: newest \(kind)hasReadReceipt of \(user) in \(cid) is \(newest.map(String.init) ?? "missing"), expected \(floor.map(String.init) ?? "none") (up to \(ceiling) if a repeat was replayed)")
                    }
                }
            }
        }
        checkNewest("", model.announced, model.mayAnnounce, newest)
        checkNewest("private ", model.announcedPrivately, model.mayAnnouncePrivately, newestPrivately)
        return differences
    }
}
