import ReceiptCore

/// Builders shared by the delivery suites: acks in the single chat `si_a_b`
/// (recipient b, peer a) and the delivery receipts an outcome carries.
extension ReceiptEvent {
    static func ack(_ id: String, seqs: [Int64] = [], through deliveredSeq: Int64? = nil, by user: String = "b")
        -> ReceiptEvent
    {
        ReceiptEvent(eventID: id, userID: user, conversationID: "si_a_b", sessionType: .single, peerUserID: "a",
                     body: .messageDelivered(seqs: seqs, deliveredSeq: deliveredSeq))
    }
}

extension BatchOutcome {
    var deliveryTips: [DeliveryTips] {
        notifications.compactMap {
            if case .deliveryReceipt(let tips) = $0.payload { return tips }
            return nil
        }
    }
}
