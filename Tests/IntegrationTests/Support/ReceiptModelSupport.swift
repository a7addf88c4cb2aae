import ReceiptCore
import ReceiptRedis

extension Events {
    static func msgDelivered(_ id: String, by user: String, in cid: String, seqs: [Int64] = [],
                             deliveredSeq: Int64? = nil, peer: String) -> (key: String, value: String) {
        let list = seqs.map(String.init).joined(separator: ",")
        let through = deliveredSeq.map { #","deliveredSeq":\#($0)"# } ?? ""
        return (cid, #"{"eventID":"\#(id)","type":"msgDelivered","userID":"\#(user)","conversationID":"\#(cid)","sessionType":1,"peerUserID":"\#(peer)","seqs":[\#(list)]\#(through)}"#)
    }
}

extension Notification {
    var deliveryTips: DeliveryTips? {
        if case .deliveryReceipt(let tips) = payload { return tips }
        return nil
    }

    var groupHasReadTips: GroupHasReadTips? {
        if case .groupHasRead(let tips) = payload { return tips }
        return nil
    }
}

extension RedisProbe {
    /// The member's score in a zset, nil when absent.
    func score(_ key: String, _ member: String) throws -> Int64? {
        try execute(.zscore(key, member)).int64
    }

    /// Every member of a zset in score order (the marks of `dx`/`rx` keys are seqs).
    func seqs(_ key: String) throws -> [Int64] {
        let reply = try execute(.zrangeByScore(key, min: .negativeInfinity, max: .positiveInfinity))
        return (reply.array ?? []).compactMap(\.int64)
    }

    /// `ZCOUNT key min +inf`: in `rcpt:{cid}:read`, how many members have read `min`.
    func count(_ key: String, atLeast min: Int64) throws -> Int64? {
        try execute(.zcount(key, min: .inclusive(min), max: .positiveInfinity)).int64
    }
}
