import ReceiptCore
import Testing

/// Each stateless rule of contract v1 rejects with its code and a reason naming the field.
@Suite struct EventValidationTests {
    let decoder = EventDecoder()
    let peer = #""peerUserID":"alice""#

    func rejection(_ bytes: [UInt8], _ decoder: EventDecoder = EventDecoder()) -> Rejection? {
        if case .failure(let r) = decoder.decode(bytes) { r } else { nil }
    }

    @Test func notAnObjectIsMalformed() {
        #expect(rejection(Array("[]".utf8)) == Rejection(.malformedJSON, "the record must be a JSON object, not an array"))
        #expect(rejection([]) == Rejection(.malformedJSON, "the record is empty"))
        #expect(rejection(Array("{".utf8))?.code == .malformedJSON)
    }

    @Test func syntaxErrorAnywhereWinsOverFieldErrors() {
        // The bad seq comes first in the bytes, the syntax error last: JSON validity is checked first.
        let r = rejection(Array(#"{"type":"markMsgsAsRead","seqs":[-1],"eventID":"e" x}"#.utf8))
        #expect(r?.code == .malformedJSON)
    }

    @Test func repeatedContractFieldIsMalformed() {
        let r = rejection(event("newMsg", commonGroup, #""clientMsgID":"a""#, #""clientMsgID":"b""#))
        #expect(r?.code == .malformedJSON && r?.reason.contains("`clientMsgID`") == true)
    }

    @Test func nestingBeyondTheLimitIsMalformed() {
        let deep = #""ex":"# + String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(rejection(event("newMsg", commonGroup, #""clientMsgID":"c""#, deep))?.code == .malformedJSON)
        let ok = #""ex":"# + String(repeating: "[", count: 31) + String(repeating: "]", count: 31)
        #expect(rejection(event("newMsg", commonGroup, #""clientMsgID":"c""#, ok)) == nil)
    }

    @Test func typeIsCheckedFirst() {
        #expect(rejection(record(#""seqs":[0]"#)) == Rejection(.missingField, "field `type` is missing"))
        #expect(rejection(record(#""type":"recall""#))?.code == .unknownType)
        #expect(rejection(record(#""type":7"#)) == Rejection(.invalidField, "field `type` must be a string, not a number"))
    }

    @Test func commonFieldsAreCheckedInOrderBeforeTypeFields() {
        #expect(rejection(record(#""type":"markMsgsAsRead""#, #""seqs":[]"#)) == Rejection(.missingField, "field `eventID` is missing"))
        #expect(rejection(record(#""type":"newMsg""#, #""eventID":"e""#)) == Rejection(.missingField, "field `userID` is missing"))
        #expect(rejection(record(#""type":"newMsg""#, #""eventID":"e""#, #""userID":"u""#)) == Rejection(.missingField, "field `conversationID` is missing"))
        #expect(rejection(record(#""type":"newMsg""#, #""eventID":"e""#, #""userID":"u""#, #""conversationID":"c""#)) == Rejection(.missingField, "field `sessionType` is missing"))
        #expect(rejection(event("markMsgsAsRead", commonSingle, #""seqs":[]"#, #""sendTime":1.5"#))?.reason == "field `sendTime` must be an integer, without fraction or exponent")
    }

    @Test func idsMustBeNonEmptyStrings() {
        #expect(rejection(record(#""type":"newMsg""#, #""eventID":"""#)) == Rejection(.invalidField, "field `eventID` must not be empty"))
        #expect(rejection(record(#""type":"newMsg""#, #""eventID":"e""#, #""userID":["u"]"#)) == Rejection(.invalidField, "field `userID` must be a string, not an array"))
        #expect(rejection(event("newMsg", commonGroup, #""clientMsgID":"""#)) == Rejection(.invalidField, "field `clientMsgID` must not be empty"))
        #expect(rejection(event("newMsg", commonSingle, #""clientMsgID":"c""#, #""peerUserID":false"#))?.code == .invalidField)
    }

    @Test func sessionTypeMustBeOneToFour() {
        for bad in ["0", "5", "-1", "9223372036854775807", "4294967297"] {
            let common = [#""eventID":"e""#, #""userID":"u""#, #""conversationID":"c""#, #""sessionType":\#(bad)"#]
            #expect(rejection(event("newMsg", common, #""clientMsgID":"c""#)) == Rejection(.invalidField, "field `sessionType` must be 1, 2, 3 or 4, not \(bad)"))
        }
        let asString = [#""eventID":"e""#, #""userID":"u""#, #""conversationID":"c""#, #""sessionType":"1""#]
        #expect(rejection(event("newMsg", asString, #""clientMsgID":"c""#))?.reason == "field `sessionType` must be an integer (a JSON number or a decimal string), not a string")
    }

    @Test func seqsMustBePositiveInt64s() {
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[1,0]"#)) == Rejection(.invalidField, "field `seqs[1]` must be at least 1, not 0"))
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[-4]"#))?.reason == "field `seqs[0]` must be at least 1, not -4")
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[1,2.5]"#))?.reason == "field `seqs[1]` must be an integer, without fraction or exponent")
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[18446744073709551616]"#))?.reason == "field `seqs[0]` does not fit in a signed 64-bit integer")
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":["0x10"]"#))?.reason == "field `seqs[0]` must be a decimal integer string such as \"42\"")
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[{}]"#))?.code == .invalidField)
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":"1,2""#)) == Rejection(.invalidField, "field `seqs` must be an array of integers, not a string"))
        #expect(rejection(event("markConversationAsRead", commonGroup, #""hasReadSeq":1"#, #""seqs":[0]"#))?.code == .invalidField)
    }

    @Test func markMessagesAsReadNeedsNonEmptySeqs() {
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer)) == Rejection(.missingField, "field `seqs` is missing"))
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[]"#)) == Rejection(.emptySeqs, "field `seqs` must not be empty"))
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":null"#))?.code == .missingField)
    }

    @Test func hasReadSeqIsRequiredAndNotNegative() {
        #expect(rejection(event("setConversationHasReadSeq", commonGroup)) == Rejection(.missingField, "field `hasReadSeq` is missing"))
        #expect(rejection(event("setConversationHasReadSeq", commonGroup, #""hasReadSeq":-1"#)) == Rejection(.invalidField, "field `hasReadSeq` must be at least 0, not -1"))
        #expect(rejection(event("markConversationAsRead", commonGroup, #""hasReadSeq":"-1""#))?.code == .invalidField)
        #expect(rejection(event("markConversationAsRead", commonGroup, #""hasReadSeq":"1.0""#))?.code == .invalidField)
    }

    @Test func singleChatReadsAndDeliveriesNeedPeerUserID() {
        let reason = "field `peerUserID` is missing; it is required when sessionType is 1"
        #expect(rejection(event("markMsgsAsRead", commonSingle, #""seqs":[1]"#)) == Rejection(.missingField, reason))
        #expect(rejection(event("markConversationAsRead", commonSingle, #""hasReadSeq":1"#)) == Rejection(.missingField, reason))
        #expect(rejection(event("msgDelivered", commonSingle, #""seqs":[1]"#)) == Rejection(.missingField, reason))
        #expect(rejection(event("newMsg", commonSingle, #""clientMsgID":"c""#)) == nil)
        #expect(rejection(event("setConversationHasReadSeq", commonSingle, #""hasReadSeq":1"#)) == nil)
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":[1]"#)) == nil)
    }

    @Test func deliveryNeedsSeqsOrDeliveredSeq() {
        #expect(rejection(event("msgDelivered", commonSingle, peer))?.code == .missingField)
        #expect(rejection(event("msgDelivered", commonSingle, peer, #""seqs":[]"#)) == Rejection(.emptySeqs, "field `seqs` must not be empty when `deliveredSeq` is missing"))
        #expect(rejection(event("msgDelivered", commonSingle, peer, #""deliveredSeq":-1"#))?.reason == "field `deliveredSeq` must be at least 0, not -1")
    }

    @Test func deliveryIsRefusedOutsideSingleChatsBeforeItsFieldsAreChecked() {
        for sessionType in 2...4 {
            let common = [#""eventID":"e""#, #""userID":"u""#, #""conversationID":"c""#, #""sessionType":\#(sessionType)"#]
            #expect(rejection(event("msgDelivered", common))?.code == .deliveryInGroup)
        }
    }

    @Test func tooManySeqsIsCheckedBeforeTheirValues() {
        let seqs = "[" + Array(repeating: "0", count: 1001).joined(separator: ",") + "]"
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":\#(seqs)"#)) == Rejection(.tooManySeqs, "field `seqs` has 1001 elements, more than the limit of 1000"))
        let exactly = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        #expect(rejection(event("markMsgsAsRead", commonSingle, peer, #""seqs":\#(exactly)"#)) == nil)
        #expect(rejection(event("msgDelivered", commonSingle, peer, #""seqs":\#(seqs)"#))?.code == .tooManySeqs)
    }
}
