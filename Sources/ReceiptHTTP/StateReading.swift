import ReceiptCore

/// Where the query API reads receipt state. `StateReader` reads Redis then
/// PostgreSQL; tests of routing and validation may use an in-memory conformer.
///
/// Every method answers for unknown conversations and users with zeros, never an
/// error. Failures of the store are `StateReadError`s.
public protocol StateReading: Sendable {
    /// The user's read state in each of `conversationIDs`, keyed by conversation ID,
    /// one entry per distinct ID.
    func readStates(userID: String, conversationIDs: [String]) async throws -> [IDKey: ReadState]
    /// The conversation's highest allocated seq; 0 when it has none.
    func maxSeq(conversationID: String) async throws -> Int64
    /// How many members have read `seq` (`seq` ≥ 1): their watermark is at or above
    /// it, or they read it individually (message-level read). As many as `readers`
    /// lists.
    func readCount(conversationID: String, seq: Int64) async throws -> Int64
    /// The members who have read `seq`, at most `limit` (≥ 1) from `cursor` on
    /// (`ReadersCursor` says in what order).
    func readers(conversationID: String, seq: Int64, limit: Int, after cursor: ReadersCursor?) async throws -> ReadersPage
    /// The user's delivery watermark, the acked seqs above it, and the conversation's maxSeq.
    func deliveryState(userID: String, conversationID: String) async throws -> DeliveryState
}

/// One user's read position in one conversation.
public struct ReadState: Sendable, Equatable {
    public var hasReadSeq: Int64
    public var maxSeq: Int64
    /// Seqs read individually above `hasReadSeq`, up to maxSeq (message-level read:
    /// the read marks); 0 under conversation-level read.
    public var readAbove: Int64

    public init(hasReadSeq: Int64, maxSeq: Int64, readAbove: Int64 = 0) {
        self.hasReadSeq = hasReadSeq
        self.maxSeq = maxSeq
        self.readAbove = readAbove
    }

    /// max(0, maxSeq − hasReadSeq − readAbove), the README's unread count in both read
    /// models: a watermark ahead of a stale maxSeq is not negative unread.
    public var unread: Int64 { max(0, maxSeq - hasReadSeq - readAbove) }
}

/// One recipient's delivery position in one conversation.
public struct DeliveryState: Sendable, Equatable {
    /// Every seq up to here is delivered (acked).
    public var deliveredSeq: Int64
    /// Seqs acked individually above `deliveredSeq`, in any order.
    public var ackedAbove: [Int64]
    public var maxSeq: Int64

    public init(deliveredSeq: Int64, ackedAbove: [Int64], maxSeq: Int64) {
        self.deliveredSeq = deliveredSeq
        self.ackedAbove = ackedAbove
        self.maxSeq = maxSeq
    }
}

/// A store failed while answering a query. `description` is safe to log: it holds
/// the module error's description, which never quotes keys or values.
public struct StateReadError: Error, Sendable, CustomStringConvertible {
    public enum Dependency: String, Sendable { case redis, postgres }

    public var dependency: Dependency
    /// True when the store is unreachable or broke mid-call (503, retry later); false
    /// for a refused command or an unexpected reply (500).
    public var isUnavailable: Bool
    /// Redis went back in time or is being rebuilt, and answers nothing until the
    /// worker has made it whole (503 `recovering`; `RedisRollbackGuard`).
    public var isRecovering = false
    public var detail: String

    public init(_ dependency: Dependency, isUnavailable: Bool, detail: String) {
        self.dependency = dependency
        self.isUnavailable = isUnavailable
        self.detail = detail
    }

    public var description: String { "\(dependency) \(isUnavailable ? "unavailable" : "failed"): \(detail)" }
}
