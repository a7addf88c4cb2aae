@testable import ReceiptCore

extension Notification {
    /// Why `Notification.decode` refused a record. `reason` names the member.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// Reads back a record of `im.receipt.notify`, with the same strict JSON reader
    /// the event decoder uses. Every member the schema requires must be present with
    /// its type; unknown members are ignored; int64 values may be numbers or decimal
    /// strings. Meant for tests and tools, not the hot path.
    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Notification {
        let root: JSONValue
        do throws(JSONSyntaxError) {
            root = try JSONValue.parse(bytes)
        } catch {
            throw DecodingError("the record is malformed JSON: \(error)")
        }
        let object = try JSONObjectReader(root, path: "")
        let typeName = try object.string("type")
        guard let type = NotificationType(rawValue: typeName) else {
            throw DecodingError("member `type` names no notification type")
        }
        let rawSessionType = try object.int64("sessionType")
        guard let sessionType = SessionType(rawValue: Int(truncatingIfNeeded: rawSessionType)),
              Int64(sessionType.rawValue) == rawSessionType
        else { throw DecodingError("member `sessionType` must be 1, 2, 3 or 4") }
        return Notification(
            recvID: try object.string("recvID"), sessionType: sessionType,
            conversationID: try object.string("conversationID"),
            sourceEventIDs: try object.array("sourceEventIDs").map { v throws(DecodingError) in try v.string() },
            payload: try payload(type, object)
        )
    }

    private static func payload(_ type: NotificationType, _ object: JSONObjectReader) throws(DecodingError) -> Payload {
        switch type {
        case .hasReadReceipt:
            let tips = try object.object("markAsReadTips")
            return .hasReadReceipt(MarkAsReadTips(
                markAsReadUserID: try tips.string("markAsReadUserID"), conversationID: try tips.string("conversationID"),
                seqs: try tips.int64Array("seqs"), hasReadSeq: try tips.int64("hasReadSeq")))
        case .seqAssigned:
            return .seqAssigned(
                clientMsgID: try object.string("clientMsgID"), seq: try object.int64("seq"), sendID: try object.string("sendID"))
        case .deliveryReceipt:
            let tips = try object.object("deliveryTips")
            return .deliveryReceipt(DeliveryTips(
                deliveredUserID: try tips.string("deliveredUserID"), conversationID: try tips.string("conversationID"),
                deliveredSeq: try tips.int64("deliveredSeq"), seqs: try tips.int64Array("seqs")))
        case .groupHasRead:
            let tips = try object.object("groupHasReadTips")
            var readers: [GroupHasReadTips.Reader] = []
            for reader in try tips.array("readers") {
                let r = try JSONObjectReader(reader.value, path: reader.path)
                readers.append(.init(userID: try r.string("userID"), hasReadSeq: try r.int64("hasReadSeq")))
            }
            var part: (index: Int, of: Int)?
            if tips.members["part"] != nil || tips.members["parts"] != nil {
                part = (Int(try tips.int64("part")), Int(try tips.int64("parts")))
            }
            return .groupHasRead(GroupHasReadTips(
                conversationID: try tips.string("conversationID"), readers: readers, part: part))
        }
    }
}
