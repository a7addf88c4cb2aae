import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing

/// The pieces of a rebuild of some slots of a Redis Cluster that need no Redis: the
/// unflushed state of those slots alone, and the epochs a store keeps per slot.
@Suite struct SlotRebuildTests {
    @Test("the changes of some slots keep exactly the rows of conversations hashing there")
    func changesInSlotsKeepTheirConversationsOnly() {
        var changes = StateChanges()
        let conversations = (0..<40).map { "si_\($0)" }
        for cid in conversations {
            changes.recordMaxSeq(cid, 3)
            changes.recordRead(ConversationUser(cid, "a"), MarkedWatermark(watermark: 2))
            changes.recordDelivery(ConversationUser(cid, "b"), MarkedWatermark(watermark: 1, marks: [3]))
            changes.recordClientMessage(ClientMessage(cid, storedID: "m1"), seq: 1)
        }
        let slots = Set(conversations.prefix(10).compactMap { CheckScope.slot(of: $0).slot })
        let part = changes.inSlots(slots)
        let inside = conversations.filter { CheckScope.slot(of: $0).slot.map(slots.contains) == true }
        #expect(inside.count >= 10)
        #expect(Set(part.maxSeqs.keys.map(\.id)) == Set(inside))
        #expect(Set(part.reads.keys.map(\.conversationID)) == Set(inside))
        #expect(Set(part.deliveries.keys.map(\.conversationID)) == Set(inside))
        #expect(Set(part.clientMessages.keys.map(\.conversationID)) == Set(inside))
        #expect(changes.inSlots([]).isEmpty)
    }

    @Test("a store's epochs: a slot rebuilt alone has its own, and the most common one becomes the store's")
    func slotEpochsNormalizeToTheCommonOne() {
        let store = RedisStateStore(configuration: .init(endpoint: RedisEndpoint(host: "127.0.0.1", port: 1),
                                                         clusterSeeds: [RedisEndpoint(host: "127.0.0.1", port: 1)]))
        store.epoch = "E"
        store.slotEpochs = [5: "F", 6: "F"]
        #expect(store.epoch(of: CheckScope(slot: 5)) == "F")
        #expect(store.epoch(of: CheckScope(slot: 7)) == "E")
        let generation = store.epochGeneration
        store.normalizeEpochs()
        #expect(store.epoch == "E" && store.slotEpochs == [5: "F", 6: "F"])
        #expect(store.epochGeneration == generation, "nothing changed, nothing built before is stale")

        // A worker started after every slot was rebuilt in two halves adopts both.
        store.epoch = nil
        store.slotEpochs = Dictionary(uniqueKeysWithValues: (0..<RedisHashSlot.count).map { ($0, $0 < 100 ? "G" : "H") })
        store.normalizeEpochs()
        #expect(store.epoch == "H")
        #expect(store.slotEpochs.count == 100 && store.slotEpochs.values.allSatisfy { $0 == "G" })
    }
}
