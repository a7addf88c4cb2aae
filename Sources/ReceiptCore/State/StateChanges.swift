/// State changed since the last flush to PostgreSQL, coalesced: the latest value
/// per key. Every value is monotonic (a maxSeq, a watermark, a set of marked seqs
/// only grow), so merging two change sets is a per-key max or union, and writing
/// the same changes twice, or an older set after a newer one, changes nothing.
public struct StateChanges: Sendable, Equatable {
    /// conversationID → highest allocated seq.
    public var maxSeqs: [IDKey: Int64] = [:]
    /// (conversation, user) → read watermark and the seqs read above it.
    public var reads: [ConversationUser: MarkedWatermark] = [:]
    /// (conversation, recipient) → delivery watermark and the seqs acked above it.
    public var deliveries: [ConversationUser: MarkedWatermark] = [:]
    /// (conversation, user) → private read watermark: the highest seq the user read
    /// privately (`"private": true`), which only the user's own state counts.
    public var privateReads: [ConversationUser: Int64] = [:]
    /// (conversation, sender, clientMsgID) → the seq allocated to that client message.
    public var clientMessages: [ClientMessage: Int64] = [:]

    public init() {}

    public var isEmpty: Bool {
        maxSeqs.isEmpty && reads.isEmpty && deliveries.isEmpty && clientMessages.isEmpty && privateReads.isEmpty
    }

    /// Rows a flush of these changes writes; the bound that triggers an early flush.
    public var rowCount: Int {
        maxSeqs.count + reads.count + deliveries.count + clientMessages.count + privateReads.count
    }

    /// About how much memory these changes hold: the bytes of every row's IDs, 8 per
    /// mark, and `bytesPerRow` for the row itself (its map entry, its strings'
    /// storage). What bounds the unflushed backlog in bytes as well as in rows: a
    /// row with long IDs or 10,000 marks weighs what it holds. O(rows): the worker
    /// weighs each batch's changes once, when they join the unflushed ones.
    public var estimatedBytes: Int {
        var bytes = rowCount * Self.bytesPerRow
        for key in maxSeqs.keys { bytes += key.id.utf8.count }
        for (key, state) in reads { bytes += key.conversationID.utf8.count + key.userID.utf8.count + 8 * state.marks.count }
        for (key, state) in deliveries {
            bytes += key.conversationID.utf8.count + key.userID.utf8.count + 8 * state.marks.count
        }
        for key in privateReads.keys { bytes += key.conversationID.utf8.count + key.userID.utf8.count }
        for key in clientMessages.keys {
            bytes += key.conversationID.utf8.count + (key.senderID?.utf8.count ?? 0) + key.clientMsgID.utf8.count
        }
        return bytes
    }

    /// What `estimatedBytes` counts for a row besides its IDs and marks.
    public static let bytesPerRow = 96

    /// Makes room for this many rows of each kind, so that recording them grows no map.
    public mutating func reserveCapacity(maxSeqs: Int, reads: Int, deliveries: Int, clientMessages: Int) {
        self.maxSeqs.reserveCapacity(maxSeqs)
        self.reads.reserveCapacity(reads)
        self.deliveries.reserveCapacity(deliveries)
        self.clientMessages.reserveCapacity(clientMessages)
    }

    public mutating func recordMaxSeq(_ conversationID: String, _ seq: Int64) {
        let key = IDKey(conversationID)
        if seq > maxSeqs[key] ?? 0 { maxSeqs[key] = seq }
    }

    public mutating func recordRead(_ key: ConversationUser, _ state: MarkedWatermark) {
        reads[key, default: MarkedWatermark()].merge(state)
    }

    public mutating func recordDelivery(_ key: ConversationUser, _ state: MarkedWatermark) {
        deliveries[key, default: MarkedWatermark()].merge(state)
    }

    public mutating func recordPrivateRead(_ key: ConversationUser, _ seq: Int64) {
        if seq > privateReads[key] ?? 0 { privateReads[key] = seq }
    }

    public mutating func recordClientMessage(_ key: ClientMessage, seq: Int64) {
        clientMessages[key] = seq
    }

    /// Adds `other` into these changes, keeping the higher value of every key (a
    /// client message keeps the seq it was first given).
    ///
    /// Costs O(other's rows): the worker merges each batch's changes into about a
    /// second of unflushed ones, so `other` is the small side. Each key of `other` is
    /// looked up once, twice only when the older value wins, in storage grown at most
    /// once per map; a map that is still empty and has no room reserved takes
    /// `other`'s storage as it is.
    public mutating func merge(_ other: StateChanges) {
        Self.merge(other.maxSeqs, into: &maxSeqs) { $0 = max($0, $1) }
        Self.merge(other.reads, into: &reads) { $0.merge($1) }
        Self.merge(other.deliveries, into: &deliveries) { $0.merge($1) }
        Self.merge(other.privateReads, into: &privateReads) { $0 = max($0, $1) }
        Self.merge(other.clientMessages, into: &clientMessages) { _, _ in }
    }

    /// Adds every entry of `source` into `target`: `combine` folds the new value into
    /// the one `target` already has for the key. One lookup per entry when the key is
    /// new or the new value is already the result (the common cases: new client
    /// messages, watermarks that moved up); a second to store any other result.
    private static func merge<Key: Hashable, Value: Equatable>(
        _ source: [Key: Value], into target: inout [Key: Value], combine: (inout Value, Value) -> Void
    ) {
        guard !target.isEmpty || target.capacity >= source.count else {
            target = source
            return
        }
        target.reserveCapacity(target.count + source.count)
        for (key, value) in source {
            guard var folded = target.updateValue(value, forKey: key) else { continue }
            combine(&folded, value)
            if folded != value { target[key] = folded }
        }
    }
}

/// A user of a conversation; equal and hashed by the bytes of both IDs (`IDKey`).
public struct ConversationUser: Hashable, Sendable {
    public var conversationID: String
    public var userID: String

    public init(_ conversationID: String, _ userID: String) {
        self.conversationID = conversationID
        self.userID = userID
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        IDKey.same(lhs.conversationID, rhs.conversationID) && IDKey.same(lhs.userID, rhs.userID)
    }

    public func hash(into hasher: inout Hasher) {
        IDKey.hash(conversationID, into: &hasher)
        IDKey.hash(userID, into: &hasher)
    }

    /// Byte order of the conversation, then of the user.
    public static func precedes(_ lhs: Self, _ rhs: Self) -> Bool {
        IDKey.same(lhs.conversationID, rhs.conversationID)
            ? IDKey.precedes(lhs.userID, rhs.userID) : IDKey.precedes(lhs.conversationID, rhs.conversationID)
    }
}

/// A client message of a conversation: what a retry repeats. A clientMsgID is the
/// sender's, so the same clientMsgID from another sender is another message (it gets
/// a seq of its own, never the first sender's). Equal and hashed by the bytes of its
/// IDs.
public struct ClientMessage: Hashable, Sendable {
    public var conversationID: String
    /// The sender; nil for a message stored before senders were recorded
    /// (receiptd's schema 2), which matches no message of a known sender.
    public var senderID: String?
    public var clientMsgID: String

    public init(_ conversationID: String, sender: String, _ clientMsgID: String) {
        self.conversationID = conversationID
        self.senderID = sender
        self.clientMsgID = clientMsgID
    }

    /// A message as Redis or PostgreSQL stored it (`storedID`).
    public init(_ conversationID: String, storedID: String) {
        self.conversationID = conversationID
        if let separator = storedID.utf8.firstIndex(of: Self.separatorByte) {
            senderID = String(storedID[..<separator])
            clientMsgID = String(storedID[storedID.utf8.index(after: separator)...])
        } else {
            senderID = nil
            clientMsgID = storedID
        }
    }

    /// How Redis (the conversation's `cm` set) and PostgreSQL (`client_msg_ids`)
    /// store the message: the senderID, U+001F, the clientMsgID. No ID holds a
    /// control character (`IDRule`), so the two parts are never ambiguous. Built
    /// when stored, not per event: the parts are kept apart until then.
    public var storedID: String {
        senderID.map { $0 + Self.separator.description + clientMsgID } ?? clientMsgID
    }

    /// Between the sender and the clientMsgID in `storedID` (and in what the
    /// allocation script is given).
    public static let separator: StaticString = "\u{1F}"
    static let separatorByte = separator.utf8Start.pointee

    public static func == (lhs: Self, rhs: Self) -> Bool {
        let sameSender = switch (lhs.senderID, rhs.senderID) {
        case (nil, nil): true
        case let (lhs?, rhs?): IDKey.same(lhs, rhs)
        default: false
        }
        return sameSender && IDKey.same(lhs.conversationID, rhs.conversationID)
            && IDKey.same(lhs.clientMsgID, rhs.clientMsgID)
    }

    public func hash(into hasher: inout Hasher) {
        IDKey.hash(conversationID, into: &hasher)
        IDKey.hash(senderID ?? "", into: &hasher)
        hasher.combine(senderID == nil)
        IDKey.hash(clientMsgID, into: &hasher)
    }
}
