import ReceiptCore
import Testing

/// Builds a record from a base event and member overrides, in JSON text.
func record(_ members: String...) -> [UInt8] {
    Array(("{" + members.joined(separator: ",") + "}").utf8)
}

let commonSingle = [#""eventID":"e1""#, #""userID":"bob""#, #""conversationID":"si_alice_bob""#, #""sessionType":1"#]
let commonGroup = [#""eventID":"e1""#, #""userID":"bob""#, #""conversationID":"sg_1""#, #""sessionType":2"#]

func event(_ type: String, _ common: [String] = commonSingle, _ members: String...) -> [UInt8] {
    Array(("{" + ([#""type":"\#(type)""#] + common + members).joined(separator: ",") + "}").utf8)
}

/// What a valid record decodes to.
@Suite struct EventDecoderTests {
    let decoder = EventDecoder()

    @Test func newMessageDecodesEveryField() throws {
        let e = try decoder.decode(event("newMsg", commonSingle, #""clientMsgID":"c1""#, #""peerUserID":"alice""#, #""sendTime":1732420800000"#)).get()
        #expect(e == ReceiptEvent(eventID: "e1", userID: "bob", conversationID: "si_alice_bob", sessionType: .single,
                                  sendTime: 1_732_420_800_000, peerUserID: "alice", body: .newMessage(clientMsgID: "c1")))
    }

    @Test func int64FieldsAcceptNumbersAndDecimalStrings() throws {
        let e = try decoder.decode(event("markConversationAsRead", commonGroup, #""hasReadSeq":"9223372036854775807""#,
                                         #""seqs":[1,"2",3]"#, #""sendTime":"-5""#)).get()
        #expect(e.body == .markConversationAsRead(hasReadSeq: .max, seqs: [1, 2, 3]))
        #expect(e.sendTime == -5)
    }

    @Test func seqsKeepTheirOrderAndDuplicates() throws {
        let e = try decoder.decode(event("markMsgsAsRead", commonSingle, #""peerUserID":"alice""#, #""seqs":[9,3,3]"#)).get()
        #expect(e.body == .markMessagesAsRead(seqs: [9, 3, 3]))
    }

    @Test func markConversationAsReadWithoutSeqsHasAnEmptyList() throws {
        let e = try decoder.decode(event("markConversationAsRead", commonGroup, #""hasReadSeq":0"#)).get()
        #expect(e.body == .markConversationAsRead(hasReadSeq: 0, seqs: []))
    }

    @Test func deliveryAcceptsSeqsOrDeliveredSeqOrBoth() throws {
        let peer = #""peerUserID":"alice""#
        #expect(try decoder.decode(event("msgDelivered", commonSingle, peer, #""seqs":[4]"#)).get().body == .messageDelivered(seqs: [4], deliveredSeq: nil))
        #expect(try decoder.decode(event("msgDelivered", commonSingle, peer, #""deliveredSeq":"0""#)).get().body == .messageDelivered(seqs: [], deliveredSeq: 0))
        #expect(try decoder.decode(event("msgDelivered", commonSingle, peer, #""seqs":[],"deliveredSeq":7"#)).get().body == .messageDelivered(seqs: [], deliveredSeq: 7))
    }

    @Test func peerUserIDIsDroppedInGroups() throws {
        let e = try decoder.decode(event("markMsgsAsRead", commonGroup, #""peerUserID":"alice""#, #""seqs":[1]"#)).get()
        #expect(e.peerUserID == nil)
    }

    @Test func unknownMembersOfEveryTypeAreSkipped() throws {
        let e = try decoder.decode(event("setConversationHasReadSeq", commonGroup, #""hasReadSeq":3"#,
            #""x":{"a":[1,{"b":null}],"c":"\u00e9\n"}"#, #""y":[[],{}]"#, #""z":-1.5e3"#, #""w":true"#, #""v":null"#, #""x":"dup unknown""#)).get()
        #expect(e.body == .setConversationHasReadSeq(hasReadSeq: 3))
    }

    @Test func nullCountsAsAbsent() throws {
        let e = try decoder.decode(event("newMsg", commonGroup, #""clientMsgID":"c""#, #""sendTime":null"#, #""peerUserID":null"#)).get()
        #expect(e.sendTime == nil && e.peerUserID == nil)
    }

    @Test func escapedMemberNamesAndValuesAreDecoded() throws {
        let bytes = record(#""\u0074ype":"new\u004dsg""#, #""eventID":"e\"1\\""#, #""userID":"b\u00f6b""#,
                           #""conversationID":"c\/1""#, #""sessionType":2"#, #""clientMsgID":"\ud83d\ude00""#)
        let e = try decoder.decode(bytes).get()
        #expect(e.type == .newMsg && e.eventID == "e\"1\\" && e.userID == "böb" && e.conversationID == "c/1")
        #expect(e.body == .newMessage(clientMsgID: "😀"))
    }

    @Test func memberOrderDoesNotMatter() throws {
        let e = try decoder.decode(record(#""seqs":[2]"#, #""sessionType":1"#, #""peerUserID":"alice""#, #""conversationID":"c""#,
                                          #""userID":"u""#, #""eventID":"e""#, #""type":"markMsgsAsRead""#)).get()
        #expect(e.body == .markMessagesAsRead(seqs: [2]))
    }

    @Test func anyContiguousByteCollectionDecodesLikeAnArray() throws {
        let bytes = event("newMsg", commonGroup, #""clientMsgID":"c""#)
        let slice = ([0x20] + bytes + [0x20])[1...]
        #expect(decoder.decode(slice) == decoder.decode(bytes))
        #expect(decoder.decode(ContiguousArray(bytes)) == decoder.decode(bytes))
    }
}
