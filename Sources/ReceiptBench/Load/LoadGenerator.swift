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
    public var key: [UInt8]
    public var value: [UInt8]
}

/// Produces a seeded, reproducible stream of events for a `LoadMix`.
///
/// It keeps each conversation's maxSeq as the worker will see it, so every read
/// targets the current maxSeq (never superseded, never above max) unless the record
/// is meant to be invalid. Every record therefore has at least one output: a
/// notification, or a dead letter. eventIDs are `<runTag>-<index>`.
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
        return GeneratedEvent(index: record.index, kind: record.kind, key: Array(record.key.utf8), value: value)
    }

    /// The next record: its value appended to `value` (the producer loop reuses one
    /// buffer), its key the conversationID.
    public mutating func next(sendTimeMs: Int64, into value: inout [UInt8])
        -> (index: Int, kind: EventKind, key: String) {
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
            return (index, .invalid, cid)
        }
        if random.unit() < mix.duplicateRate, let last = conversations[slot].last {
            last.write(eventID: eventID, sendTimeMs: sendTimeMs, into: &value)
            return (index, .duplicate, cid)
        }
        var conversation = conversations[slot]
        let (kind, template) = makeEvent(&conversation, index: index)
        conversation.last = template
        conversations[slot] = conversation
        template.write(eventID: eventID, sendTimeMs: sendTimeMs, into: &value)
        return (index, kind, cid)
    }

    private mutating func makeEvent(_ c: inout Conversation, index: Int) -> (EventKind, EventTemplate) {
        let member = Int(random.next() % UInt64(c.members))
        let user = userID(c, member)
        let peer = c.isGroup ? nil : userID(c, 1 - member)
        var template = EventTemplate(type: .newMsg, userID: user, conversationID: c.id,
                                     sessionType: c.isGroup ? .group : .single, peerUserID: peer)
        var kind = pickKind()
        if c.maxSeq == 0 || (kind == .msgDelivered && c.isGroup) { kind = c.maxSeq == 0 ? .newMsg : .markConversationAsRead }
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
        case .duplicate, .invalid:
            preconditionFailure("pickKind returns event types only")
        }
        return (kind, template)
    }

    private mutating func pickKind() -> EventKind {
        let w = mix.weights
        var roll = random.unit() * w.total
        for (kind, weight) in [(EventKind.newMsg, w.newMsg), (.markConversationAsRead, w.markConversationAsRead),
                               (.markMsgsAsRead, w.markMsgsAsRead), (.msgDelivered, w.msgDelivered)] {
            if roll < weight { return kind }
            roll -= weight
        }
        return .newMsg
    }

    private func userID(_ c: Conversation, _ member: Int) -> String {
        c.isGroup ? "\(c.id)_m\(member)" : "\(c.id)_u\(member)"
    }

    private static func logUniform(_ low: Int, _ high: Int, _ random: inout SeededRandom) -> Int {
        let lo = Double(max(2, low)), hi = Double(max(low, high))
        return Int((lo * pow(hi / lo, random.unit())).rounded())
    }
}
