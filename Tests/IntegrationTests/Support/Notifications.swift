import ReceiptCore
import ReceiptKafka
import ReceiptRedis
import Testing
import TestSupport

/// Decodes notification records, checking each against its proto-json schema and
/// that its key is its recvID.
func decodeNotifications(_ records: [KafkaRecord]) throws -> [Notification] {
    try records.map { record in
        let violations = try ProtoJSON.notificationViolations(record.value)
        #expect(violations.isEmpty, "notification breaks its schema: \(violations)")
        let notification = try Notification.decode(record.value)
        #expect(record.key == Array(notification.recvID.utf8), "a notification is keyed by its recvID")
        return notification
    }
}

extension Notification {
    var markAsReadTips: MarkAsReadTips? {
        if case .hasReadReceipt(let tips) = payload { return tips }
        return nil
    }

    var assignedSeq: Int64? {
        if case .seqAssigned(_, let seq, _) = payload { return seq }
        return nil
    }

    var clientMsgID: String? {
        if case .seqAssigned(let clientMsgID, _, _) = payload { return clientMsgID }
        return nil
    }
}

/// Reads a conversation's state straight from the stack's Redis (its cluster in
/// the cluster pass), one command per call on a client of its own.
struct RedisProbe: Sendable {
    init() throws {
        _ = try TestStack.redisClusterNodes()
    }

    /// One command's reply; a refusal throws.
    func execute(_ command: RedisCommand) throws -> RedisReply {
        try TestStack.redisClient().pipeline([command])[0].get()
    }

    func maxSeq(_ cid: String) throws -> Int64? {
        try execute(.get(RedisKeys.maxSeq(cid))).string.flatMap { Int64($0) }
    }

    func hasReadSeq(_ cid: String, _ user: String) throws -> Int64? {
        try execute(.zscore(RedisKeys.readWatermarks(cid), user)).string.flatMap { Int64($0) }
    }
}
