import Foundation
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

/// The ID rule at the edge, and the key rule: IDs are bytes.
@Suite("IDs and keys")
struct IDRuleTests {
    let decoder = EventDecoder()

    func newMsg(conversationID: String) -> [UInt8] {
        let escaped = conversationID.unicodeScalars.map { scalar in
            scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : String(scalar)
        }.joined()
        return Array(#"{"eventID":"e1","type":"newMsg","userID":"a","conversationID":"\#(escaped)","sessionType":2,"clientMsgID":"m1"}"#.utf8)
    }

    @Test("a control character anywhere in an ID is invalid_field, naming the field and the character",
          arguments: ["\u{0}", "\u{1F}", "\u{7F}", "\u{80}", "\u{85}", "\u{9F}"])
    func controlCharactersAreRefused(_ control: String) throws {
        let result = decoder.decode(newMsg(conversationID: "sg_a\(control)b"))
        guard case .failure(let rejection) = result else {
            Issue.record("accepted an ID with U+\(String(control.unicodeScalars.first!.value, radix: 16))")
            return
        }
        #expect(rejection.code == .invalidField)
        #expect(rejection.reason.contains("conversationID") && rejection.reason.contains("control character"))
    }

    @Test("characters next to the controls are IDs like any other", arguments: ["\u{20}", "\u{A0}", "\u{FFFD}", "é", "😀"])
    func otherCharactersAreAccepted(_ character: String) throws {
        let event = try decoder.decode(newMsg(conversationID: "sg_a\(character)b")).get()
        #expect(Array(event.conversationID.utf8) == Array("sg_a\(character)b".utf8))
    }

    @Test("IDs are kept as their bytes: canonically equal spellings stay two IDs")
    func idsAreNotNormalized() throws {
        let nfc = try decoder.decode(newMsg(conversationID: "caf\u{e9}")).get()
        let nfd = try decoder.decode(newMsg(conversationID: "cafe\u{301}")).get()
        #expect(Array(nfc.conversationID.utf8) == [0x63, 0x61, 0x66, 0xC3, 0xA9])
        #expect(Array(nfd.conversationID.utf8) == [0x63, 0x61, 0x66, 0x65, 0xCC, 0x81])
    }

    @Test("a record keyed by anything but its conversationID's bytes is key_mismatch, checked after the value")
    func keyMustBeTheConversationID() throws {
        let value = newMsg(conversationID: "caf\u{e9}")
        #expect(try decoder.decode(value, key: Array("caf\u{e9}".utf8)[...]).get().conversationID == "caf\u{e9}")
        for key in [Array("cafe\u{301}".utf8)[...], Array("other".utf8)[...], nil] {
            guard case .failure(let rejection) = decoder.decode(value, key: key) else {
                Issue.record("accepted key \(String(describing: key))")
                continue
            }
            #expect(rejection.code == .keyMismatch)
        }
        guard case .failure(let rejection) = decoder.decode(Array("{".utf8), key: Array("x".utf8)[...]) else {
            Issue.record("accepted malformed JSON")
            return
        }
        #expect(rejection.code == .malformedJSON, "the value's rules come first")
    }

    @Test("IDRule names the problem: empty, too long, a control character; nil for an ID")
    func idRuleReasons() {
        #expect(IDRule.problem(with: "", maxBytes: 4) == "must not be empty")
        #expect(IDRule.problem(with: "abcde", maxBytes: 4) == "is 5 bytes long, more than the limit of 4")
        #expect(IDRule.problem(with: "a\u{85}", maxBytes: 4)?.contains("U+0085") == true)
        #expect(IDRule.problem(with: "é", maxBytes: 2) == nil)
    }
}
