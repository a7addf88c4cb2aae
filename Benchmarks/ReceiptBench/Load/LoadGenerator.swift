import Foundation
import ReceiptCore

/// How a generated record is expected to end.
public enum EventKind: UInt8, Sendable, CaseIterable {
    case newMsg, markConversationAsRead, markMsgsAsRead, msgDelivered
    /// A valid event repeated under a new eventID.
    case duplicate
    /// A record the worker must refuse (dead letter).
    case invalid

    var label: String {
        switch self {
        case .newMsg: "newMsg"
        case .markConversationAsRead: "markConversationAsRead"
        case .markMsgsAsRead: "markMsgsAsRead"
        case .msgDelivered: "msgDelivered"
        case .duplicate: "duplicate"
        case .invalid: "invalid"
        }
    }
}

/// One record to produce. `index` is also the number in its eventID.
public struct GeneratedEvent: Sendable {
    public var index: Int
    public var kind: EventKind
    /// The worker must apply it without output: a read or ack that repeats the state
    /// (receiptd counts it as unchanged and announces nothing).
    public var quiet: Bool
    public var key: [UInt8]
    public var value: [UInt8]
}

/// What `LoadGenerator.next(sendTimeMs:into:)` made; its value went to the buffer.
public struct GeneratedRecord: Sendable {
    public var index: Int
    public var kind: EventKind
    /// See `GeneratedEvent.quiet`.
    public var quiet: Bool
    public var key: String
}

/// Produces a seeded, reproducible stream of events for a `LoadMix`.
///
/// It keeps each conversation's maxSeq as the worker will see it, so every read
/// targets the current maxSeq (never superseded, never above max) unless the record
/// is meant to be invalid. It also keeps each member's read and delivered position
/// (conversation-level reads, the worker's default), so it knows which reads and
/// acks repeat the state: those are `quiet`, every other record has at least one
/// output (a notification or a dead letter). eventIDs are `<runTag>-<index>`.
public struct LoadGenerator: Sendable {
    public let mix: LoadMix
    /// Makes conversation IDs and eventIDs unique to one run (and scenario).
    public let runTag: String
    private var random: SeededRandom
    private var conversations: [Conversation]
    private var nextIndex = 0
    private var invalidTurn = 0

    struct Conversation: Sendable {
        var id: String
        var members: Int  // 2 for a single chat
        var isGroup: Bool
        var maxSeq: Int64 = 0
        var last: EventTemplate?
        var lastKind: EventKind = .newMsg
        /// Per member: the seq read through, and delivered through (reading delivers).
        var readThrough: [Int: Int64] = [:]
        var deliveredThrough: [Int: Int64] = [:]
        /// A single chat's two user IDs, made once (a group's are made per event: a
        /// group can have 10,000 members).
        var singleChatUsers: [String] = []

        init(id: String, members: Int, isGroup: Bool) {
            self.id = id
            self.members = members
            self.isGroup = isGroup
            if !isGroup { singleChatUsers = ["\(id)_u0", "\(id)_u1"] }
        }
    }

    public init(mix: LoadMix, runTag: String) {
        self.mix = mix
        self.runTag = runTag
        var random = SeededRandom(seed: mix.seed)
        conversations = (0..<max(1, mix.conversations)).map { n in
            if random.unit() < mix.groupShare {
                let size = Self.logUniform(mix.minGroupSize, mix.maxGroupSize, &random)
                return Conversation(id: "\(runTag)_sg_\(n)", members: size, isGroup: true)
            }
            return Conversation(id: "\(runTag)_si_\(n)", members: 2, isGroup: false)
        }
        self.random = random
    }

    /// Group sizes of the mix, for the report.
    public var groupSizes: [Int] { conversations.filter(\.isGroup).map(\.members) }

    /// The next record, its value in a buffer of its own.
    public mutating func next(sendTimeMs: Int64) -> GeneratedEvent {
        var value: [UInt8] = []
        let record = next(sendTimeMs: sendTimeMs, into: &value)
        return GeneratedEvent(index: record.index, kind: record.kind, quiet: record.quiet,
                              key: Array(record.key.utf8), value: value)
    }

    /// A newMsg in a conversation of its own (`<runTag>_end_<index>`): produced after
    /// the load, one or more per partition, so every partition ends with a record that
    /// has an output, and every quiet record before it is known to be applied.
    public mutating func endMarker(sendTimeMs: Int64, into value: inout [UInt8]) -> GeneratedRecord {
        let index = nextIndex
        nextIndex += 1
        let cid = "\(runTag)_end_\(index)"
        var template = EventTemplate(type: .newMsg, userID: "\(cid)_u0", conversationID: cid, sessionType: .single,
                                     peerUserID: "\(cid)_u1")
        template.clientMsgID = "\(runTag)c\(index)"
        template.write(eventID: EventID(runTag: runTag, index: index), sendTimeMs: sendTimeMs, into: &value)
        return GeneratedRecord(index: index, kind: .newMsg, quiet: false, key: cid)
    }

    /// The next record: its value appended to `value` (the producer loop reuses one
    /// buffer), its key the conversationID.
    public mutating func next(sendTimeMs: Int64, into value: inout [UInt8]) -> GeneratedRecord {
        let index = nextIndex
        nextIndex += 1
        let eventID = EventID(runTag: runTag, index: index)
        let slot = Int(random.next() % UInt64(conversations.count))
        let cid = conversations[slot].id

        if random.unit() < mix.invalidRate {
            let kind = InvalidKind.allCases[invalidTurn % InvalidKind.allCases.count]
            invalidTurn += 1
            value += kind.json(eventID: eventID.string, conversationID: cid, maxSeq: conversations[slot].maxSeq,
                               sendTimeMs: sendTimeMs).utf8
            return GeneratedRecord(index: index, kind: .invalid, quiet: false, key: cid)
        }
        if random.unit() < mix.duplicateRate, let last = conversations[slot].last {
            last.write(eventID: eventID, sendTimeMs: sendTimeMs, into: &value)
            // A client retry: a newMsg is answered again, a read or ack repeats the state.
            return GeneratedRecord(index: index, kind: .duplicate, quiet: conversations[slot].lastKind != .newMsg,
                                   key: cid)
        }
        // In place: a copy of the conversation would retain and release all it holds.
        let (kind, quiet) = Self.makeEvent(&conversations[slot], index: index, mix: mix, runTag: runTag,
                                           random: &random)
        conversations[slot].last!.write(eventID: eventID, sendTimeMs: sendTimeMs, into: &value)
        return GeneratedRecord(index: index, kind: kind, quiet: quiet, key: cid)
    }

    /// Makes the conversation's next event its `last`; `quiet` when it repeats the
    /// state (a read or ack of what its member already read or acked).
    private static func makeEvent(_ c: inout Conversation, index: Int, mix: LoadMix, runTag: String,
                                  random: inout SeededRandom) -> (kind: EventKind, quiet: Bool) {
        var member = Int(random.next() % UInt64(c.members))
        var kind = pickKind(mix.weights, &random)
        if c.maxSeq == 0 || (kind == .msgDelivered && c.isGroup) { kind = c.maxSeq == 0 ? .newMsg : .markConversationAsRead }
        if let share = mix.repeatingReaderShare, kind == .markConversationAsRead || kind == .markMsgsAsRead {
            let repeating = random.unit() < share
            for _ in 0..<min(8, c.members) where ((c.readThrough[member] ?? 0) >= c.maxSeq) != repeating {
                member = Int(random.next() % UInt64(c.members))
            }
        }
        let user = userID(c, member)
        let peer = c.isGroup ? nil : userID(c, 1 - member)
        var template = EventTemplate(type: .newMsg, userID: user, conversationID: c.id,
                                     sessionType: c.isGroup ? .group : .single, peerUserID: peer)
        let readBefore = c.readThrough[member] ?? 0
        let deliveredBefore = max(c.deliveredThrough[member] ?? 0, readBefore)
        var quiet = false
        switch kind {
        case .newMsg:
            c.maxSeq += 1
            template.clientMsgID = "\(runTag)c\(index)"
            template.peerUserID = peer
        case .markConversationAsRead:
            template.type = .markConversationAsRead
            template.hasReadSeq = c.maxSeq
        case .markMsgsAsRead:
            template.type = .markMsgsAsRead
            template.seqs = Array(max(1, c.maxSeq - 2)...c.maxSeq)
        case .msgDelivered:
            template.type = .msgDelivered
            template.deliveredSeq = c.maxSeq
            quiet = deliveredBefore >= c.maxSeq
            c.deliveredThrough[member] = c.maxSeq
        case .duplicate, .invalid:
            preconditionFailure("pickKind returns event types only")
        }
        if kind != .msgDelivered {
            // Sending reads one's own message; every read here is up to maxSeq.
            quiet = kind != .newMsg && readBefore >= c.maxSeq
            c.readThrough[member] = c.maxSeq
        }
        c.last = template
        c.lastKind = kind
        return (kind, quiet)
    }

    private static func pickKind(_ w: LoadMix.TypeWeights, _ random: inout SeededRandom) -> EventKind {
        var roll = random.unit() * w.total
        if roll < w.newMsg { return .newMsg }
        roll -= w.newMsg
        if roll < w.markConversationAsRead { return .markConversationAsRead }
        roll -= w.markConversationAsRead
        if roll < w.markMsgsAsRead { return .markMsgsAsRead }
        roll -= w.markMsgsAsRead
        return roll < w.msgDelivered ? .msgDelivered : .newMsg
    }

    private static func userID(_ c: Conversation, _ member: Int) -> String {
        c.isGroup ? "\(c.id)_m\(member)" : c.singleChatUsers[member]
    }

    private static func logUniform(_ low: Int, _ high: Int, _ random: inout SeededRandom) -> Int {
        let lo = Double(max(2, low)), hi = Double(max(low, high))
        return Int((lo * pow(hi / lo, random.unit())).rounded())
    }
}
