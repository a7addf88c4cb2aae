import ReceiptCore
import TestSupport
import Testing

/// `Notification.encodeJSON` writes what the schemas describe, and `decode` reads it back.
@Suite struct NotificationEncodingTests {
    static let samples: [Notification] = [
        Notification(
            recvID: "alice", sessionType: .single, conversationID: "si_alice_bob", sourceEventIDs: ["ev-1"],
            payload: .hasReadReceipt(MarkAsReadTips(markAsReadUserID: "bob", conversationID: "si_alice_bob", seqs: [4, 5], hasReadSeq: 5))),
        Notification(
            recvID: "alice", sessionType: .group, conversationID: "sg_1", sourceEventIDs: ["ev-2"],
            payload: .seqAssigned(clientMsgID: "c-1", seq: Int64.max, sendID: "alice")),
        Notification(
            recvID: "alice", sessionType: .single, conversationID: "si_alice_bob", sourceEventIDs: ["ev-3", "ev-4"],
            payload: .deliveryReceipt(DeliveryTips(deliveredUserID: "bob", conversationID: "si_alice_bob", deliveredSeq: 0, seqs: [2, 3]))),
        Notification(
            recvID: "sg_1", sessionType: .superGroup, conversationID: "sg_1", sourceEventIDs: ["ev-5"],
            payload: .groupHasRead(GroupHasReadTips(conversationID: "sg_1", readers: [.init(userID: "u1", hasReadSeq: 9), .init(userID: "u2", hasReadSeq: 0)]))),
    ]

    @Test(arguments: samples)
    func encodedNotificationConformsToItsSchema(notification: Notification) throws {
        try ProtoJSON.validateNotification(notification.encodeJSON())
    }

    @Test(arguments: samples)
    func encodedNotificationDecodesBackEqual(notification: Notification) throws {
        #expect(try Notification.decode(notification.encodeJSON()) == notification)
    }

    @Test func samplesCoverEveryNotificationType() {
        #expect(Set(Self.samples.map(\.type)) == Set(NotificationType.allCases))
    }

    @Test func encodingIsCompactWithMembersInContractOrder() {
        let bytes = Self.samples[0].encodeJSON()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"type":"hasReadReceipt","recvID":"alice","sessionType":1,"conversationID":"si_alice_bob","sourceEventIDs":["ev-1"],"markAsReadTips":{"markAsReadUserID":"bob","conversationID":"si_alice_bob","seqs":[4,5],"hasReadSeq":5}}"#)
    }

    @Test func encodeIntoAppendsWithoutClearingTheBuffer() {
        var buffer: [UInt8] = Array("prefix".utf8)
        Self.samples[1].encodeJSON(into: &buffer)
        #expect(buffer == Array("prefix".utf8) + Self.samples[1].encodeJSON())
    }

    @Test func int64ExtremesAreWrittenAsExactNumbers() throws {
        for seq in [Int64.min, -1, 0, 1, 9, 10, 99, 100, 1_234_567_890_123, Int64.max] {
            let n = Notification(recvID: "r", sessionType: .single, conversationID: "c", sourceEventIDs: ["e"],
                                 payload: .seqAssigned(clientMsgID: "m", seq: seq, sendID: "s"))
            let text = String(decoding: n.encodeJSON(), as: UTF8.self)
            #expect(text.contains(#","seq":\#(seq),"#))
            #expect(try Notification.decode(n.encodeJSON()) == n)
        }
    }

    @Test func stringsAreEscapedAndNonASCIIPassesThrough() throws {
        let tricky = "q\"b\\s/ \u{0}\u{1F}\n\t\u{7F}é中😀"
        let n = Notification(recvID: tricky, sessionType: .single, conversationID: "c", sourceEventIDs: [tricky],
                             payload: .seqAssigned(clientMsgID: tricky, seq: 1, sendID: "s"))
        let text = String(decoding: n.encodeJSON(), as: UTF8.self)
        #expect(text.contains(#""recvID":"q\"b\\s/ \u0000\u001f\u000a\u0009\#u{7F}é中😀""#))
        #expect(try Notification.decode(n.encodeJSON()) == n)
        #expect(try JSONDocument.parse(n.encodeJSON())["recvID"] == .string(tricky))
    }
}

/// `Notification.decode` refuses what the contract does not allow.
@Suite struct NotificationDecodingTests {
    @Test func missingPayloadMemberIsNamed() {
        let bytes = Array(#"{"type":"seqAssigned","recvID":"a","sessionType":1,"conversationID":"c","sourceEventIDs":["e"],"clientMsgID":"m","sendID":"a"}"#.utf8)
        #expect(throws: Notification.DecodingError("member `seq` is missing")) { try Notification.decode(bytes) }
    }

    @Test func nestedMemberErrorsCarryTheirPath() {
        let bytes = Array(#"{"type":"hasReadReceipt","recvID":"a","sessionType":1,"conversationID":"c","sourceEventIDs":["e"],"markAsReadTips":{"markAsReadUserID":"b","conversationID":"c","seqs":[1,true],"hasReadSeq":1}}"#.utf8)
        #expect(throws: Notification.DecodingError("member `markAsReadTips.seqs[1]` must be an int64, not a boolean")) {
            try Notification.decode(bytes)
        }
    }

    @Test func unknownTypeAndMalformedJSONAreRefused() {
        #expect(throws: Notification.DecodingError.self) { try Notification.decode(Array(#"{"type":"typing"}"#.utf8)) }
        #expect(throws: Notification.DecodingError.self) { try Notification.decode(Array(#"{"type":"#.utf8)) }
        #expect(throws: Notification.DecodingError.self) { try Notification.decode(Array(#"{"type":"seqAssigned","type":"seqAssigned"}"#.utf8)) }
    }

    @Test func int64AsDecimalStringIsAccepted() throws {
        let bytes = Array(#"{"type":"seqAssigned","recvID":"a","sessionType":"#.utf8) + Array(#"2,"conversationID":"c","sourceEventIDs":["e"],"clientMsgID":"m","seq":"9223372036854775807","sendID":"a","future":{}}"#.utf8)
        #expect(try Notification.decode(bytes).payload == .seqAssigned(clientMsgID: "m", seq: .max, sendID: "a"))
    }
}
