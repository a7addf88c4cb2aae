extension Notification {
    /// The record value for `im.receipt.notify`: one compact JSON object with `type`,
    /// `recvID`, `sessionType`, `conversationID`, `sourceEventIDs` and the payload's
    /// members, in that order. int64 values are JSON numbers. See
    /// `proto-json/schemas/notifications/`.
    public func encodeJSON() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        encodeJSON(into: &out)
        return out
    }

    /// Appends the record value to `out`, leaving what is already there; lets a
    /// producer reuse one buffer.
    public func encodeJSON(into out: inout [UInt8]) {
        JSONWriter.raw(#"{"type":""#, into: &out)
        JSONWriter.raw(type.staticName, into: &out)
        JSONWriter.raw(#"","recvID":"#, into: &out)
        JSONWriter.string(recvID, into: &out)
        JSONWriter.raw(#","sessionType":"#, into: &out)
        JSONWriter.int64(Int64(sessionType.rawValue), into: &out)
        JSONWriter.raw(#","conversationID":"#, into: &out)
        JSONWriter.string(conversationID, into: &out)
        JSONWriter.raw(#","sourceEventIDs":"#, into: &out)
        JSONWriter.stringArray(sourceEventIDs, into: &out)
        switch payload {
        case .hasReadReceipt(let tips):
            JSONWriter.raw(#","markAsReadTips":{"markAsReadUserID":"#, into: &out)
            JSONWriter.string(tips.markAsReadUserID, into: &out)
            JSONWriter.raw(#","conversationID":"#, into: &out)
            JSONWriter.string(tips.conversationID, into: &out)
            JSONWriter.raw(#","seqs":"#, into: &out)
            JSONWriter.int64Array(tips.seqs, into: &out)
            JSONWriter.raw(#","hasReadSeq":"#, into: &out)
            JSONWriter.int64(tips.hasReadSeq, into: &out)
            out.append(ASCII.closeBrace)
        case let .seqAssigned(clientMsgID, seq, sendID):
            JSONWriter.raw(#","clientMsgID":"#, into: &out)
            JSONWriter.string(clientMsgID, into: &out)
            JSONWriter.raw(#","seq":"#, into: &out)
            JSONWriter.int64(seq, into: &out)
            JSONWriter.raw(#","sendID":"#, into: &out)
            JSONWriter.string(sendID, into: &out)
        case .deliveryReceipt(let tips):
            JSONWriter.raw(#","deliveryTips":{"deliveredUserID":"#, into: &out)
            JSONWriter.string(tips.deliveredUserID, into: &out)
            JSONWriter.raw(#","conversationID":"#, into: &out)
            JSONWriter.string(tips.conversationID, into: &out)
            JSONWriter.raw(#","deliveredSeq":"#, into: &out)
            JSONWriter.int64(tips.deliveredSeq, into: &out)
            JSONWriter.raw(#","seqs":"#, into: &out)
            JSONWriter.int64Array(tips.seqs, into: &out)
            out.append(ASCII.closeBrace)
        case .groupHasRead(let tips):
            JSONWriter.raw(#","groupHasReadTips":{"conversationID":"#, into: &out)
            JSONWriter.string(tips.conversationID, into: &out)
            JSONWriter.raw(#","readers":["#, into: &out)
            for (i, reader) in tips.readers.enumerated() {
                JSONWriter.raw(i == 0 ? #"{"userID":"# : #",{"userID":"#, into: &out)
                JSONWriter.string(reader.userID, into: &out)
                JSONWriter.raw(#","hasReadSeq":"#, into: &out)
                JSONWriter.int64(reader.hasReadSeq, into: &out)
                out.append(ASCII.closeBrace)
            }
            out.append(ASCII.closeBracket)
            if let part = tips.part {
                JSONWriter.raw(#","part":"#, into: &out)
                JSONWriter.int64(Int64(part.index), into: &out)
                JSONWriter.raw(#","parts":"#, into: &out)
                JSONWriter.int64(Int64(part.of), into: &out)
            }
            out.append(ASCII.closeBrace)
        }
        out.append(ASCII.closeBrace)
    }
}

extension NotificationType {
    /// The wire name, to append without going through a `String`.
    var staticName: StaticString {
        switch self {
        case .hasReadReceipt: "hasReadReceipt"
        case .seqAssigned: "seqAssigned"
        case .deliveryReceipt: "deliveryReceipt"
        case .groupHasRead: "groupHasRead"
        }
    }
}
