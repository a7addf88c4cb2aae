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
        for n in 0..<count {
            let cid = cids[Int(rng.next() % UInt64(cids.count))]
            let group = cids.firstIndex(of: cid)! % 3 == 0
            let users = group ? (0..<8).map { "u\($0)" } : ["a", "b"]
            let user = users[Int(rng.next() % UInt64(users.count))]
            let peer = group ? nil : (user == "a" ? "b" : "a")
            let session = group ? 3 : 1
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
            case 45..<80 where maxSeq > 0:
                let hasReadSeq = Int64(rng.next() % UInt64(maxSeq + 1))
                log.add(cid, Events.markConversationAsRead(id, by: user, in: cid, hasReadSeq: hasReadSeq,
                                                          session: session, peer: peer).value)
                log.model.markRead(cid, user, upTo: hasReadSeq, single: !group)
            case 80..<90 where maxSeq > 0:
                let seqs = (0..<3).map { _ in Int64(rng.next() % UInt64(maxSeq)) + 1 }
                log.add(cid, Events.markMsgsAsRead(id, by: user, in: cid, seqs: seqs, session: session, peer: peer).value)
                log.model.markRead(cid, user, upTo: seqs.max()!, single: !group)
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
    var maxSeq: [String: Int64] = [:]
    var allocations: [String: [String: Int64]] = [:]
    var hasReadSeq: [String: [String: Int64]] = [:]
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
        read(cid, sender, upTo: seq)
    }

    /// Seqs acknowledged as delivered, per conversation and recipient.
    var acked: [String: [String: Set<Int64>]] = [:]

    mutating func delivered(_ cid: String, _ user: String, seqs: [Int64], upTo: Int64?) {
        var set = acked[cid]?[user] ?? []
        set.formUnion(seqs)
        if let upTo { set.formUnion(1...upTo) }
        acked[cid, default: [:]][user] = set
    }

    /// The continuous delivered watermark and the acked seqs above it.
    func delivery(_ cid: String, _ user: String) -> (watermark: Int64, above: [Int64]) {
        let set = acked[cid]?[user] ?? []
        var watermark: Int64 = 0
        while set.contains(watermark + 1) { watermark += 1 }
        return (watermark, set.filter { $0 > watermark }.sorted())
    }

    /// The newest watermark a hasReadReceipt announced, per conversation and reader.
    var announced: [String: [String: Int64]] = [:]

    /// A read event: applied, and announced unless an earlier read already went
    /// further. In a single chat, what the reader read is delivered to them.
    mutating func markRead(_ cid: String, _ user: String, upTo seq: Int64, single: Bool) {
        guard seq >= hasReadSeq[cid]?[user] ?? 0 else { return }
        read(cid, user, upTo: seq)
        if single && seq > 0 { delivered(cid, user, seqs: [], upTo: seq) }
        if seq > announced[cid]?[user] ?? -1 { announced[cid, default: [:]][user] = seq }
    }

    mutating func read(_ cid: String, _ user: String, upTo seq: Int64) {
        if seq > hasReadSeq[cid]?[user] ?? 0 { hasReadSeq[cid, default: [:]][user] = seq }
    }
}
