import ReceiptCore

/// One event's content without its eventID, so a duplicate can repeat it under a new
/// eventID (a client retry: same clientMsgID, same read).
struct EventTemplate: Sendable {
    var type: EventType
    var userID: String
    var conversationID: String
    var sessionType: SessionType
    var peerUserID: String?
    var clientMsgID: String?
    var hasReadSeq: Int64?
    var seqs: [Int64] = []
    var deliveredSeq: Int64?

    /// The record value: compact JSON of contract v1, with `sendTime` in ms.
    func json(eventID: String, sendTimeMs: Int64) -> String {
        var out = #"{"eventID":"\#(eventID)","type":"\#(type.rawValue)","userID":"\#(userID)","#
        out += #""conversationID":"\#(conversationID)","sessionType":\#(sessionType.rawValue),"sendTime":\#(sendTimeMs)"#
        if let clientMsgID { out += #","clientMsgID":"\#(clientMsgID)""# }
        if let hasReadSeq { out += #","hasReadSeq":\#(hasReadSeq)"# }
        if !seqs.isEmpty { out += #","seqs":[\#(seqs.map(String.init).joined(separator: ","))]"# }
        if let deliveredSeq { out += #","deliveredSeq":\#(deliveredSeq)"# }
        if let peerUserID { out += #","peerUserID":"\#(peerUserID)""# }
        out += "}"
        return out
    }
}

/// The ways the generator breaks a record, used in turn. Each keeps the eventID
/// readable at the start of the record, so its dead letter can be matched to it.
enum InvalidKind: Int, CaseIterable, Sendable {
    /// Cut off in the middle: `malformed_json`.
    case truncated
    /// No userID: `missing_field`.
    case missingUser
    /// sessionType 9: `invalid_field`.
    case badSessionType
    /// A read above the conversation's maxSeq: `seq_above_max` (refused when applied).
    case readAboveMax

    func json(eventID: String, conversationID: String, maxSeq: Int64, sendTimeMs: Int64) -> String {
        switch self {
        case .truncated:
            #"{"eventID":"\#(eventID)","type":"newMsg","userID":"u1","conversationID":"\#(conversationID)","sessio"#
        case .missingUser:
            #"{"eventID":"\#(eventID)","type":"newMsg","conversationID":"\#(conversationID)","sessionType":1,"sendTime":\#(sendTimeMs),"clientMsgID":"x\#(eventID)"}"#
        case .badSessionType:
            #"{"eventID":"\#(eventID)","type":"newMsg","userID":"u1","conversationID":"\#(conversationID)","sessionType":9,"sendTime":\#(sendTimeMs),"clientMsgID":"x\#(eventID)"}"#
        case .readAboveMax:
            #"{"eventID":"\#(eventID)","type":"markConversationAsRead","userID":"u1","conversationID":"\#(conversationID)","sessionType":2,"sendTime":\#(sendTimeMs),"hasReadSeq":\#(maxSeq + 1_000_000)}"#
        }
    }
}
