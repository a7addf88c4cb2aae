import Foundation
import ReceiptCore
import TestSupport
import Testing

/// The schema checker itself reports violations; a checker that passes everything proves nothing.
@Suite struct JSONSchemaCheckerTests {
    let seqAssigned = #"{"type":"seqAssigned","recvID":"a","sessionType":1,"conversationID":"c","sourceEventIDs":["e"],"clientMsgID":"m","seq":3,"sendID":"a"}"#

    func violations(_ text: String) throws -> [String] {
        try ProtoJSON.notificationViolations(Array(text.utf8))
    }

    @Test func conformingNotificationHasNoViolations() throws {
        #expect(try violations(seqAssigned) == [])
    }

    @Test func missingRequiredMemberIsReported() throws {
        let found = try violations(seqAssigned.replacingOccurrences(of: #","seq":3"#, with: ""))
        #expect(found == ["$: required member `seq` is missing"])
        #expect(throws: ProtoJSON.SchemaViolations.self) {
            try ProtoJSON.validateNotification(Array(seqAssigned.replacingOccurrences(of: #","sendID":"a""#, with: "").utf8))
        }
    }

    @Test func extraMemberWrongTypeAndBoundsAreReported() throws {
        let found = try violations(seqAssigned
            .replacingOccurrences(of: #""seq":3"#, with: #""seq":0,"extra":1"#)
            .replacingOccurrences(of: #""sessionType":1"#, with: #""sessionType":"1""#)
            .replacingOccurrences(of: #"["e"]"#, with: "[]"))
        #expect(found.contains("$: member `extra` is not allowed"))
        #expect(found.contains { $0.hasPrefix("$.seq: 0 is less than the minimum 1") })
        #expect(found.contains { $0.hasPrefix("$.sessionType:") })
        #expect(found.contains { $0.hasPrefix("$.sourceEventIDs: array has 0 items") })
    }

    @Test func nestedViolationsCarryTheirPath() throws {
        let bad = #"{"type":"groupHasRead","recvID":"g","sessionType":2,"conversationID":"g","sourceEventIDs":["e"],"groupHasReadTips":{"conversationID":"g","readers":[{"userID":"u","hasReadSeq":1.5}]}}"#
        #expect(try violations(bad) == ["$.groupHasReadTips.readers[0].hasReadSeq: expected integer, found number"])
    }

    @Test func unknownTypeOrBrokenJSONIsAViolation() throws {
        #expect(try violations(#"{"type":"nope"}"#) == ["$.type: missing or not a notification type"])
        #expect(try violations("{") == ["$: not valid JSON"])
    }

    @Test func int64AsStringMustBeADecimalLiteralInEventSchemas() throws {
        let base = #"{"eventID":"e","type":"setConversationHasReadSeq","userID":"u","conversationID":"c","sessionType":2,"hasReadSeq":HRS}"#
        #expect(try ProtoJSON.eventViolations(Array(base.replacingOccurrences(of: "HRS", with: #""42""#).utf8)) == [])
        #expect(try ProtoJSON.eventViolations(Array(base.replacingOccurrences(of: "HRS", with: #""042""#).utf8)).count == 1)
        #expect(try ProtoJSON.eventViolations(Array(base.replacingOccurrences(of: "HRS", with: "-1").utf8)).count == 1)
    }

    @Test func conditionalRequirementsOfEventSchemasAreChecked() throws {
        let singleWithoutPeer = #"{"eventID":"e","type":"markMsgsAsRead","userID":"u","conversationID":"c","sessionType":1,"seqs":[1]}"#
        #expect(try ProtoJSON.eventViolations(Array(singleWithoutPeer.utf8)).count == 1)
        let groupDelivery = #"{"eventID":"e","type":"msgDelivered","userID":"u","conversationID":"c","sessionType":2,"peerUserID":"p","seqs":[1]}"#
        #expect(try ProtoJSON.eventViolations(Array(groupDelivery.utf8)) == ["$.sessionType: must be 1, found 2"])
    }

    @Test func unsupportedKeywordIsReportedNotIgnored() throws {
        let schema = try JSONDocument.parse(Array(#"{"type":"string","format":"email"}"#.utf8))
        let found = JSONSchemaChecker(schema: schema).violations(of: .string("x"))
        #expect(found == ["$: schema keyword `format` is not supported by JSONSchemaChecker"])
    }

    @Test func oneOfNeedsExactlyOneMatch() throws {
        let schema = try JSONDocument.parse(Array(#"{"oneOf":[{"type":"integer"},{"minimum":0}]}"#.utf8))
        let checker = JSONSchemaChecker(schema: schema)
        #expect(checker.violations(of: .number(-1)) == [])
        #expect(checker.violations(of: .number(1)).count == 1)
    }
}
