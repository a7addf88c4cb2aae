import ReceiptCore
import TestSupport
import Testing

/// The decoder and the schemas agree with every example in `proto-json/examples/events`.
@Suite struct EventContractExampleTests {
    let decoder = EventDecoder()

    @Test(arguments: try ProtoJSON.validEventExampleNames())
    func validEventExampleDecodes(name: String) throws {
        let event = try decoder.decode(ProtoJSON.validEventExample(name)).get()
        let typeInFileName = try #require(name.split(separator: "-").first)
        #expect(event.type.rawValue == String(typeInFileName))
    }

    @Test(arguments: try ProtoJSON.validEventExampleNames())
    func validEventExampleConformsToItsSchema(name: String) throws {
        #expect(try ProtoJSON.eventViolations(ProtoJSON.validEventExample(name)) == [])
    }

    @Test(arguments: try ProtoJSON.invalidEventExampleNames())
    func invalidEventExampleIsRejectedWithItsCode(name: String) throws {
        let example = try ProtoJSON.invalidEventExample(name)
        let result = example.key.map { decoder.decode(example.record, key: $0[...]) } ?? decoder.decode(example.record)
        if example.state != nil {
            // Needs state: the decoder must let it through for the pipeline to judge.
            #expect(throws: Never.self, "\(example.description)") { try result.get() }
            return
        }
        switch result {
        case .success(let event): Issue.record("\(name): accepted as \(event); \(example.description)")
        case .failure(let rejection):
            #expect(rejection.code == example.expectedError, "\(name): \(rejection.reason)")
            #expect(!rejection.reason.isEmpty)
        }
    }

    @Test func invalidExamplesCoverEveryRejectionCode() throws {
        let codes = Set(try ProtoJSON.invalidEventExampleNames().map { try ProtoJSON.invalidEventExample($0).expectedError })
        #expect(codes == Set(Rejection.Code.allCases))
    }

    @Test func validExamplesCoverEveryEventTypeAndSessionType() throws {
        let events = try ProtoJSON.validEventExampleNames().map { try decoder.decode(ProtoJSON.validEventExample($0)).get() }
        #expect(Set(events.map(\.type)) == Set(EventType.allCases))
        #expect(Set(events.map(\.sessionType)) == Set(SessionType.allCases))
    }
}

/// Notification examples and scenarios conform to the schemas and read back.
@Suite struct NotificationContractExampleTests {
    @Test(arguments: try ProtoJSON.notificationExampleNames())
    func notificationExampleConformsToItsSchema(name: String) throws {
        try ProtoJSON.validateNotification(ProtoJSON.notificationExample(name))
    }

    @Test(arguments: try ProtoJSON.notificationExampleNames())
    func notificationExampleDecodesAndReencodesToTheSameValue(name: String) throws {
        let bytes = try ProtoJSON.notificationExample(name)
        let notification = try Notification.decode(bytes)
        #expect(try Notification.decode(notification.encodeJSON()) == notification)
        #expect(try JSONDocument.parse(notification.encodeJSON()) == JSONDocument.parse(bytes))
    }

    @Test func notificationExamplesCoverEveryType() throws {
        let types = try ProtoJSON.notificationExampleNames().map { try Notification.decode(ProtoJSON.notificationExample($0)).type }
        #expect(Set(types) == Set(NotificationType.allCases))
    }

    @Test(arguments: try ProtoJSON.scenarioNames())
    func scenarioEventsDecodeAndExpectedNotificationsConform(name: String) throws {
        let scenario = try ProtoJSON.scenario(name)
        for event in scenario.events { _ = try EventDecoder().decode(event).get() }
        for expected in scenario.expectedNotifications {
            try ProtoJSON.validateNotification(expected)
            _ = try Notification.decode(expected)
        }
    }

    @Test func openIMRegressionScenarioReportsTheWholeRange() throws {
        let scenario = try ProtoJSON.scenario("openim-mark-conversation-as-read-range")
        #expect(scenario.maxSeq == 5 && scenario.hasReadSeq["bob"] == 3)
        let event = try EventDecoder().decode(#require(scenario.events.first)).get()
        #expect(event.body == .markConversationAsRead(hasReadSeq: 5, seqs: []))
        for expected in scenario.expectedNotifications {
            guard case .hasReadReceipt(let tips) = try Notification.decode(expected).payload else {
                Issue.record("expected a hasReadReceipt")
                continue
            }
            #expect(tips.seqs == [4, 5] && tips.hasReadSeq == 5)
        }
    }
}
