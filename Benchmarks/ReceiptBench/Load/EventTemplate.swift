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

    /// Appends the record value to `out`: compact JSON of contract v1, with `sendTime`
    /// in ms and the eventID `<runTag>-<index>`. Written straight into the buffer, so
    /// the generator costs the machine little next to what it measures.
    func write(eventID: EventID, sendTimeMs: Int64, into out: inout [UInt8]) {
        JSONWriter.raw(#"{"eventID":"#, into: &out)
        eventID.write(into: &out)
        JSONWriter.raw(#","type":"#, into: &out)
        JSONWriter.string(type.rawValue, into: &out)
        JSONWriter.raw(#","userID":"#, into: &out)
        JSONWriter.string(userID, into: &out)
        JSONWriter.raw(#","conversationID":"#, into: &out)
        JSONWriter.string(conversationID, into: &out)
        JSONWriter.raw(#","sessionType":"#, into: &out)
        JSONWriter.int64(Int64(sessionType.rawValue), into: &out)
        JSONWriter.raw(#","sendTime":"#, into: &out)
        JSONWriter.int64(sendTimeMs, into: &out)
        if let clientMsgID {
            JSONWriter.raw(#","clientMsgID":"#, into: &out)
            JSONWriter.string(clientMsgID, into: &out)
        }
        if let hasReadSeq {
            JSONWriter.raw(#","hasReadSeq":"#, into: &out)
            JSONWriter.int64(hasReadSeq, into: &out)
        }
        if !seqs.isEmpty {
            JSONWriter.raw(#","seqs":"#, into: &out)
            JSONWriter.int64Array(seqs, into: &out)
        }
        if let deliveredSeq {
            JSONWriter.raw(#","deliveredSeq":"#, into: &out)
            JSONWriter.int64(deliveredSeq, into: &out)
        }
        if let peerUserID {
            JSONWriter.raw(#","peerUserID":"#, into: &out)
            JSONWriter.string(peerUserID, into: &out)
        }
        JSONWriter.raw("}", into: &out)
    }
}

/// An eventID, `<runTag>-<index>`, written without building the string.
struct EventID {
    let runTag: String
    let index: Int

    var string: String { "\(runTag)-\(index)" }

    func write(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: runTag.utf8)  // the run tag is letters, digits and dashes
        out.append(UInt8(ascii: "-"))
        JSONWriter.int64(Int64(index), into: &out)
        out.append(UInt8(ascii: "\""))
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
