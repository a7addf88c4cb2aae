import TestSupport

/// A seeded random stream of events, valid and invalid, over a few conversations,
/// together with the reference model's verdict on each. The model is written apart
/// from the worker's code on purpose: it applies events one at a time, the plain
/// way, so a batching mistake in the worker shows up as a difference.
struct EventLog {
    struct Entry {
        let key: String
        let value: String
    }

    var entries: [Entry] = []
    var model = ReferenceModel()

    /// `count` events over `conversations` conversations (a third of them groups),
    /// with repeated clientMsgIDs, stale reads and refused events mixed in.
    static func random(seed: UInt64, count: Int, conversations: Int, prefix: String) -> EventLog {
        var rng = SplitMix64(seed: seed)
        var log = EventLog()
        let cids = (0..<conversations).map { "\(prefix)-c\($0)" }
        // A third are groups; of those, every other one is a notification
        // conversation (session type 4), which test workers read message-level
        // (`ReferenceModel.exactSessionType`). The rest are single chats.
        for (index, cid) in cids.enumerated() {
            if index % 6 == 3 { log.model.exactConversations.insert(cid) }
            if index % 3 != 0 { log.model.singleChats.insert(cid) }
        }
        for n in 0..<count {
            let cid = cids[Int(rng.next() % UInt64(cids.count))]
            let group = !log.model.singleChats.contains(cid)
            let users = group ? (0..<8).map { "u\($0)" } : ["a", "b"]
            let user = users[Int(rng.next() % UInt64(users.count))]
            let peer = group ? nil : (user == "a" ? "b" : "a")
            let session = !group ? 1 : log.model.exactConversations.contains(cid) ? ReferenceModel.exactSessionType : 3
            let maxSeq = log.model.maxSeq[cid] ?? 0
            let id = "\(prefix)-e\(n)"
            let roll = rng.next() % 100
            switch roll {
            case 0..<45:
                // A new message; one in ten is its sender's retry of an earlier message.
                let earlier = log.model.clientMsgIDs[cid] ?? []
                let clientMsgID = roll < 5 && !earlier.isEmpty
                    ? earlier[Int(rng.next() % UInt64(earlier.count))] : "m\(earlier.count + 1)"
                let sender = log.model.senders[cid]?[clientMsgID] ?? user
                let to = group ? nil : (sender == "a" ? "b" : "a")
                log.add(cid, Events.newMsg(id, from: sender, in: cid, clientMsgID: clientMsgID, session: session, peer: to).value)
                log.model.newMessage(cid, clientMsgID: clientMsgID, sender: sender)
            case 45..<50 where maxSeq > 0:
                // A private read: the reader's own position only.
                let hasReadSeq = Int64(rng.next() % UInt64(maxSeq + 1))
                log.add(cid, Events.markConversationAsRead(id, by: user, in: cid, hasReadSeq: hasReadSeq,
                                                          session: session, peer: peer, isPrivate: true).value)
                log.model.privateEventIDs.insert(id)
                log.model.markReadPrivately(cid, user, through: hasReadSeq)
            case 50..<75 where maxSeq > 0:
                let hasReadSeq = Int64(rng.next() % UInt64(maxSeq + 1))
                log.add(cid, Events.markConversationAsRead(id, by: user, in: cid, hasReadSeq: hasReadSeq,
                                                          session: session, peer: peer).value)
                log.model.markRead(cid, user, through: hasReadSeq)
            case 75..<80 where maxSeq > 0:
                let hasReadSeq = Int64(rng.next() % UInt64(maxSeq + 1))
                log.add(cid, Events.setConversationHasReadSeq(id, by: user, in: cid, hasReadSeq: hasReadSeq,
                                                             session: session, peer: peer).value)
                log.model.markRead(cid, user, through: hasReadSeq)
            case 80..<90 where maxSeq > 0:
                let seqs = (0..<3).map { _ in Int64(rng.next() % UInt64(maxSeq)) + 1 }
                log.add(cid, Events.markMsgsAsRead(id, by: user, in: cid, seqs: seqs, session: session, peer: peer).value)
                log.model.markRead(cid, user, seqs: seqs)
            case 90..<95 where !group && maxSeq > 0:
                // Delivery acks, some individual (leaving gaps), some up to a seq.
                let seqs = (0..<2).map { _ in Int64(rng.next() % UInt64(maxSeq)) + 1 }
                let upTo: Int64? = rng.next() % 3 == 0 ? Int64(rng.next() % UInt64(maxSeq)) + 1 : nil
                log.add(cid, Events.msgDelivered(id, by: user, in: cid, seqs: seqs, deliveredSeq: upTo, peer: peer!).value)
                log.model.delivered(cid, user, seqs: seqs, upTo: upTo)
            case 90..<95:
                // Refused by state: a read above maxSeq.
                log.add(cid, Events.markConversationAsRead(id, by: user, in: cid, hasReadSeq: maxSeq + 1 + Int64(rng.next() % 5),
                                                          session: session, peer: peer).value)
                log.model.refused += 1
            default:
                log.add(cid, #"{"eventID":"\#(id)","type":"newMsg","userID":"\#(user)"}"#)
                log.model.refused += 1
            }
        }
        return log
    }

    private mutating func add(_ key: String, _ value: String) {
        entries.append(Entry(key: key, value: value))
    }
}

/// The expected final state of an event log, computed one event at a time.
struct ReferenceModel {
    /// The session type test workers read message-level (`RunningWorker`,
    /// `WorkerProcess`): notification conversations.
    static let exactSessionType = 4

    var maxSeq: [String: Int64] = [:]
    var allocations: [String: [String: Int64]] = [:]
    /// The continuous read watermark per conversation and reader.
    var hasReadSeq: [String: [String: Int64]] = [:]
    /// Conversations under message-level read, and every seq each reader read there.
    var exactConversations: Set<String> = []
    var readSeqs: [String: [String: Set<Int64>]] = [:]
    var singleChats: Set<String> = []
    var refused = 0
    /// Distinct clientMsgIDs per conversation, in allocation order.
    var clientMsgIDs: [String: [String]] = [:]
    /// The sender of each clientMsgID, per conversation.
    var senders: [String: [String: String]] = [:]

    mutating func newMessage(_ cid: String, clientMsgID: String, sender: String) {
        let seq: Int64
        if let existing = allocations[cid]?[clientMsgID] {
            seq = existing
        } else {
            seq = (maxSeq[cid] ?? 0) + 1
            maxSeq[cid] = seq
            allocations[cid, default: [:]][clientMsgID] = seq
            clientMsgIDs[cid, default: []].append(clientMsgID)
            senders[cid, default: [:]][clientMsgID] = sender
        }
        // Sending reads one's own message (and, conversation-level, all before it).
        if exactConversations.contains(cid) {
            readExactly(cid, sender, [seq])
        } else {
            read(cid, sender, upTo: seq)
        }
    }

    /// Seqs acknowledged as delivered, per conversation and recipient.
    var acked: [String: [String: Set<Int64>]] = [:]

    mutating func delivered(_ cid: String, _ user: String, seqs: [Int64], upTo: Int64?) {
        var set = acked[cid]?[user] ?? []
        set.formUnion(seqs)
        if let upTo { set.formUnion(1...upTo) }
        acked[cid, default: [:]][user] = set
    }

    /// The continuous delivered watermark and the delivered seqs above it: what the
    /// user acked and, in a single chat, what they read (read implies delivered).
    func delivery(_ cid: String, _ user: String) -> (watermark: Int64, above: [Int64]) {
        var set = acked[cid]?[user] ?? []
        if singleChats.contains(cid) { set.formUnion(readSet(cid, user)) }
        var watermark: Int64 = 0
        while set.contains(watermark + 1) { watermark += 1 }
        return (watermark, set.filter { $0 > watermark }.sorted())
    }

    /// The newest watermark a read that changed the state announced, per
    /// conversation and reader: the newest hasReadReceipt must carry at least it.
    var announced: [String: [String: Int64]] = [:]
    /// The highest watermark a read that changed nothing (a repeat) stood at: a
    /// replayed repeat is announced again, a first-run one is not, so the newest
    /// hasReadReceipt may carry up to it.
    var mayAnnounce: [String: [String: Int64]] = [:]

    /// The private read watermark per conversation and reader, the newest one a
    /// private read announced to the reader's devices, and the private events.
    var privateReadSeq: [String: [String: Int64]] = [:]
    var announcedPrivately: [String: [String: Int64]] = [:]
    var mayAnnouncePrivately: [String: [String: Int64]] = [:]
    var privateEventIDs: Set<String> = []

    /// A private read through `through`: applied and announced (to the reader
    /// alone) unless it is below the reader's public or private watermark. It reads
    /// nothing for anyone else: read state, counts, delivery stay as they are.
    mutating func markReadPrivately(_ cid: String, _ user: String, through: Int64) {
        let privately = privateReadSeq[cid]?[user] ?? 0
        let own = max(hasReadSeq[cid]?[user] ?? 0, privately)
        guard through >= own else { return }
        if through == own, through <= privately {  // a repeat: announced only on a replay
            mayAnnouncePrivately[cid, default: [:]][user] = max(mayAnnouncePrivately[cid]?[user] ?? 0, through)
            return
        }
        if through > privately { privateReadSeq[cid, default: [:]][user] = through }
        announcedPrivately[cid, default: [:]][user] = through
    }

    /// A read event: everything through `through` and each of `seqs`. Applied and
    /// announced (with the watermark after it) unless the stored state is already
    /// past it: conversation-level, its highest seq is below the watermark;
    /// message-level, it reads nothing new below the highest seq read.
    mutating func markRead(_ cid: String, _ user: String, through: Int64? = nil, seqs: [Int64] = []) {
        let highest = max(through ?? 0, seqs.max() ?? 0)
        let changed: Bool
        if exactConversations.contains(cid) {
            let before = readSet(cid, user)
            let wanted = Set(seqs).union(through.map { $0 > 0 ? Set(1...$0) : [] } ?? [])
            if wanted.isSubset(of: before), highest < before.max() ?? 0 { return }
            changed = !wanted.isSubset(of: before)
            readExactly(cid, user, Array(wanted))
        } else {
            let before = hasReadSeq[cid]?[user] ?? 0
            guard highest >= before else { return }
            changed = highest > before
            read(cid, user, upTo: highest)
        }
        let watermark = hasReadSeq[cid]?[user] ?? 0
        if !changed {  // a repeat: announced again only when it is replayed
            mayAnnounce[cid, default: [:]][user] = max(mayAnnounce[cid]?[user] ?? 0, watermark)
            return
        }
        if watermark > announced[cid]?[user] ?? -1 { announced[cid, default: [:]][user] = watermark }
    }

    mutating func read(_ cid: String, _ user: String, upTo seq: Int64) {
        if seq > hasReadSeq[cid]?[user] ?? 0 { hasReadSeq[cid, default: [:]][user] = seq }
    }

    private mutating func readExactly(_ cid: String, _ user: String, _ seqs: [Int64]) {
        var set = readSeqs[cid]?[user] ?? []
        set.formUnion(seqs.filter { $0 > 0 })
        readSeqs[cid, default: [:]][user] = set
        var watermark: Int64 = 0
        while set.contains(watermark + 1) { watermark += 1 }
        hasReadSeq[cid, default: [:]][user] = watermark
    }

    /// Every seq the user has read: the watermark's and, message-level, each above it.
    func readSet(_ cid: String, _ user: String) -> Set<Int64> {
        if exactConversations.contains(cid) { return readSeqs[cid]?[user] ?? [] }
        let watermark = hasReadSeq[cid]?[user] ?? 0
        return watermark > 0 ? Set(1...watermark) : []
    }

    /// The seqs read above the watermark, ascending (message-level read).
    func readAbove(_ cid: String, _ user: String) -> [Int64] {
        let watermark = hasReadSeq[cid]?[user] ?? 0
        return (readSeqs[cid]?[user] ?? []).filter { $0 > watermark }.sorted()
    }
}
