import ReceiptCore
import ReceiptRedis

extension RedisKeys {
    /// The watermark zset and the marks zset of one user's marked state, and for
    /// read state the conversation's read-mark index.
    static func marked(_ kind: MarkedWrite.Kind, _ conversationID: String, _ userID: String) -> [String] {
        switch kind {
        case .read: [readWatermarks(conversationID), readMarks(conversationID, userID), readMarkIndex(conversationID)]
        case .delivery: [deliveryWatermarks(conversationID), deliveryMarks(conversationID, userID)]
        }
    }
}
