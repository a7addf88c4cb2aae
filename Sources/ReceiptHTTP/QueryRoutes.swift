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
            var seqs: [String: ReadStateBody.Seqs] = [:]
            for id in ids {
                let state = states[id] ?? ReadState(hasReadSeq: 0, maxSeq: 0)
                seqs[id] = .init(hasReadSeq: state.hasReadSeq, maxSeq: state.maxSeq, unread: state.unread)
            }
            return JSONResponse(body: ReadStateBody(seqs: seqs))
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

struct ReadStateBody: Encodable, Sendable {
    struct Seqs: Encodable, Sendable {
        let hasReadSeq: Int64
        let maxSeq: Int64
        let unread: Int64
    }

    let seqs: [String: Seqs]
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
