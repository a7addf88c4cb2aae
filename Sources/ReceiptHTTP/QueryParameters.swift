import Foundation  // String.removingPercentEncoding
import Hummingbird
import ReceiptCore

/// The limits the query routes enforce, from `HTTPConfiguration`.
struct QueryLimits: Sendable {
    var maxConversationIDs: Int
    var maxListedUnacked: Int
    /// Most readers one page of `…/readers` lists.
    var maxListedReaders = 1_000
    /// Longest user or conversation ID, in UTF-8 bytes.
    var maxIDBytes = 256

    init(_ configuration: HTTPConfiguration) {
        maxConversationIDs = configuration.maxConversationIDs
        maxListedUnacked = configuration.maxListedUnacked
    }
}

/// Validated request parameters. Each throws `APIError.invalidParameter` naming the
/// parameter; reasons never echo the value.
extension QueryLimits {
    /// A path ID (`userID`, `conversationID`): percent-decoded, 1…256 bytes.
    func pathID(_ name: String, _ context: some RequestContext) throws -> String {
        guard let raw = context.parameters.get(name) else { throw APIError.invalidParameter(name, "missing") }
        guard let decoded = raw.removingPercentEncoding else { throw APIError.invalidParameter(name, "bad percent-encoding") }
        try checkID(decoded, parameter: name)
        return decoded
    }

    /// The highest seq a path may name: 2^53, the largest integer the worker's Lua
    /// scripts hold exactly (a seq is an INCR far below it), and far from overflow
    /// when a query names the seq after it.
    static let maxSeq: Int64 = 1 << 53

    /// `seq` in the path: a decimal integer, 1 to 2^53.
    func seq(_ context: some RequestContext) throws -> Int64 {
        guard let raw = context.parameters.get("seq"), let seq = Int64(raw), raw.first != "+" else {
            throw APIError.invalidParameter("seq", "must be an integer")
        }
        guard seq >= 1 else { throw APIError.invalidParameter("seq", "must be at least 1") }
        guard seq <= Self.maxSeq else {
            throw APIError.invalidParameter("seq", "must be at most \(Self.maxSeq)", limit: Int(Self.maxSeq))
        }
        return seq
    }

    /// `limit` of a readers listing: 1…`maxListedReaders`, default 100.
    func readersLimit(_ request: Request) throws -> Int {
        guard let raw = request.uri.queryParameters.get("limit") else { return min(100, maxListedReaders) }
        guard let limit = Int(raw), raw.first != "+" else { throw APIError.invalidParameter("limit", "must be an integer") }
        guard (1...maxListedReaders).contains(limit) else {
            throw APIError.invalidParameter("limit", "must be 1 to \(maxListedReaders)", limit: maxListedReaders)
        }
        return limit
    }

    /// `cursor` of a readers listing: absent on the first page, else a `nextCursor`
    /// the API gave for the same seq.
    func readersCursor(_ request: Request, seq: Int64) throws -> ReadersCursor? {
        guard let raw = request.uri.queryParameters.get("cursor") else { return nil }
        guard let cursor = ReadersCursor(encoded: raw) else {
            throw APIError.invalidParameter("cursor", "not a cursor this API gave")
        }
        guard cursor.seq == seq else { throw APIError.invalidParameter("cursor", "a cursor of another seq") }
        try checkID(cursor.position.userID, parameter: "cursor")
        return cursor
    }

    /// `conversationIDs=a,b` (the parameter may repeat): distinct IDs in first-seen
    /// order, at least one, at most `maxConversationIDs` before de-duplication.
    func conversationIDs(_ request: Request) throws -> [String] {
        let name = "conversationIDs"
        let values = request.uri.queryParameters.getAll(name)
        guard !values.isEmpty else { throw APIError.invalidParameter(name, "required: a comma-separated list of IDs") }
        let ids = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard ids.count <= maxConversationIDs else {
            throw APIError.invalidParameter(
                name, "at most \(maxConversationIDs) IDs per request, got \(ids.count)", limit: maxConversationIDs)
        }
        var seen = Set<[UInt8]>()  // by bytes: two IDs that differ in bytes are two IDs
        var distinct: [String] = []
        for id in ids {
            try checkID(id, parameter: name)
            if seen.insert(Array(id.utf8)).inserted { distinct.append(id) }
        }
        return distinct
    }

    /// The events' rule (`IDRule`): a NUL or another control character is a 400 here,
    /// as it is a dead letter there.
    private func checkID(_ id: String, parameter: String) throws {
        guard !id.isEmpty else { throw APIError.invalidParameter(parameter, "empty ID") }
        guard id.utf8.count <= maxIDBytes else {
            throw APIError.invalidParameter(parameter, "ID longer than \(maxIDBytes) bytes", limit: maxIDBytes)
        }
        if let problem = IDRule.problem(with: id, maxBytes: maxIDBytes) {
            throw APIError.invalidParameter(parameter, "ID \(problem)")
        }
    }
}
