import ReceiptCore
import Testing
import TestSupport

/// Every scenario of the contract, applied through `BatchApplier` from its state,
/// produces exactly its expected notifications (order not significant).
@Suite("Contract scenarios applied")
struct ScenarioApplyTests {
    @Test(arguments: try ProtoJSON.scenarioNames())
    func scenarioProducesItsExpectedNotifications(name: String) throws {
        let scenario = try ProtoJSON.scenario(name)
        let events = try scenario.events.map { try EventDecoder().decode($0).get() }
        let snapshots = Dictionary(uniqueKeysWithValues: Set(events.map(\.conversationID)).map {
            (IDKey($0), ConversationSnapshot(maxSeq: scenario.maxSeq, hasReadSeqs: scenario.hasReadSeq.keyedByBytes))
        })
        let outcome = BatchApplier().apply(events, snapshots: snapshots)
        #expect(outcome.results.allSatisfy { $0 == .applied })
        let produced = outcome.notifications.map { String(decoding: $0.encodeJSON(), as: UTF8.self) }.sorted()
        let expected = try scenario.expectedNotifications
            .map { String(decoding: try Notification.decode($0).encodeJSON(), as: UTF8.self) }.sorted()
        #expect(produced == expected)
    }
}
