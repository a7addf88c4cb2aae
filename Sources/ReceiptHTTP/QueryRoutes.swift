import ReceiptCore
import Hummingbird

/// The read-only query API under `/v1`. Handlers validate, await `reader` (which
/// does its blocking I/O on its own threads) and shape JSON; they never block.
struct QueryRoutes<Reader: StateReading> {
    let reader: Reader
    let limits: QueryLimits

    func register(on v1: RouterGroup<BasicRequestContext>) {
        // OpenIM's GetConversationsHasReadAndMaxSeq.
        v1.get("users/:userID/read-state") { request, context in
            let userID = try limits.pathID("userID", context)
            let ids = try limits.conversationIDs(request)
            let states = try await reader.readStates(userID: userID, conversationIDs: ids)
            let body = ReadStateBody(seqs: ids.map { id in
                let state = states[IDKey(id)] ?? ReadState(hasReadSeq: 0, maxSeq: 0)
                return (id, .init(hasReadSeq: state.hasReadSeq, maxSeq: state.maxSeq, unread: state.unread))
            })
            return RawJSONResponse(bytes: body.json())
        }

        v1.get("conversations/:conversationID/seq") { _, context in
            let conversationID = try limits.pathID("conversationID", context)
            let maxSeq = try await reader.maxSeq(conversationID: conversationID)
            return JSONResponse(body: ConversationSeqBody(conversationID: conversationID, maxSeq: maxSeq))
        }

        v1.get("conversations/:conversationID/messages/:seq/read-count") { _, context in
            let conversationID = try limits.pathID("conversationID", context)
            let seq = try limits.seq(context)
            let count = try await reader.readCount(conversationID: conversationID, seq: seq)
            return JSONResponse(body: ReadCountBody(conversationID: conversationID, seq: seq, readCount: count))
        }

        // Who read this message: paginated, O(log N + limit) in Redis for any group size.
        v1.get("conversations/:conversationID/messages/:seq/readers") { request, context in
            let conversationID = try limits.pathID("conversationID", context)
            let seq = try limits.seq(context)
            let limit = try limits.readersLimit(request)
            let cursor = try limits.readersCursor(request, seq: seq)
            let page = try await reader.readers(conversationID: conversationID, seq: seq, limit: limit, after: cursor)
            return JSONResponse(body: ReadersBody(
                readers: page.readers.map { .init(userID: $0.userID, hasReadSeq: $0.hasReadSeq) },
                nextCursor: page.next?.encoded))
        }

        v1.get("users/:userID/conversations/:conversationID/unacked") { _, context in
            let userID = try limits.pathID("userID", context)
            let conversationID = try limits.pathID("conversationID", context)
            let state = try await reader.deliveryState(userID: userID, conversationID: conversationID)
            let unacked = UnackedSeqs(state, listLimit: limits.maxListedUnacked)
            return JSONResponse(body: UnackedBody(
                conversationID: conversationID, userID: userID, deliveredSeq: state.deliveredSeq, maxSeq: state.maxSeq,
                unackedCount: unacked.count, unacked: unacked.listed,
                unackedRanges: unacked.ranges.map { [$0.lowerBound, $0.upperBound] }, truncated: unacked.truncated))
        }
    }
}

/// `{"seqs":{"<conversationID>":{"hasReadSeq":…,"maxSeq":…,"unread":…},…}}`, one
/// member per conversationID by its bytes, in byte order. Written by hand: an
/// `Encodable` dictionary keyed by `String` would merge two conversationIDs that are
/// canonically equal but different bytes.
struct ReadStateBody: Sendable {
    struct Seqs: Sendable {
        let hasReadSeq: Int64
        let maxSeq: Int64
        let unread: Int64
    }

    /// Each conversationID once (the query parameters are de-duplicated by bytes).
    let seqs: [(conversationID: String, seqs: Seqs)]

    func json() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + seqs.count * 96)
        JSONWriter.raw(#"{"seqs":{"#, into: &out)
        for (index, entry) in seqs.sorted(by: { IDKey.precedes($0.conversationID, $1.conversationID) }).enumerated() {
            if index > 0 { JSONWriter.raw(",", into: &out) }
            JSONWriter.string(entry.conversationID, into: &out)
            JSONWriter.raw(#":{"hasReadSeq":"#, into: &out)
            JSONWriter.int64(entry.seqs.hasReadSeq, into: &out)
            JSONWriter.raw(#","maxSeq":"#, into: &out)
            JSONWriter.int64(entry.seqs.maxSeq, into: &out)
            JSONWriter.raw(#","unread":"#, into: &out)
            JSONWriter.int64(entry.seqs.unread, into: &out)
            JSONWriter.raw("}", into: &out)
        }
        JSONWriter.raw("}}", into: &out)
        return out
    }
}

struct ConversationSeqBody: Encodable, Sendable {
    let conversationID: String
    let maxSeq: Int64
}

struct ReadCountBody: Encodable, Sendable {
    let conversationID: String
    let seq: Int64
    let readCount: Int64
}

/// `{"readers":[{"userID":…,"hasReadSeq":…},…],"nextCursor":"…"|null}`.
struct ReadersBody: Encodable, Sendable {
    struct Reader: Encodable, Sendable {
        let userID: String
        let hasReadSeq: Int64
    }

    let readers: [Reader]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey { case readers, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(readers, forKey: .readers)
        try container.encode(nextCursor, forKey: .nextCursor)  // null, not absent, on the last page
    }
}

/// `unackedRanges` always covers every unacked seq as `[from, to]`; `unacked` lists
/// at most the configured number, and `truncated` says when it stopped short.
struct UnackedBody: Encodable, Sendable {
    let conversationID: String
    let userID: String
    let deliveredSeq: Int64
    let maxSeq: Int64
    let unackedCount: Int64
    let unacked: [Int64]
    let unackedRanges: [[Int64]]
    let truncated: Bool
}
