import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing
import TestSupport

/// The state store on a real Redis Cluster (3 primaries, 3 replicas, one per test):
/// batches read, allocate and write slot by slot, and each slot's checks notice a
/// slot that went back or lost its data.
@Suite("State store on a Redis Cluster", .serialized)
struct ClusterStateStoreTests {
    let applier = BatchApplier()

    @Test("a batch over 30 conversations gets every seq once and reads its own writes back, slot by slot")
    func batchesRunSlotBySlot() async throws {
        try await withClusterStore { _, store in
            let events = (0..<30).flatMap { conversation in
                ["m1", "m2"].map { newMsg(conversation, $0) }
            }
            let first = try store.read(applier.queries(for: events, positions: events.indices.map { Int64($0) }))
            #expect(first.count == 30 && first.values.allSatisfy { $0.allocatedSeqs == [1, 2] })
            #expect(Set(store.acknowledgedPositions.keys).count > 15, "one write position per slot used")
            let writes = (0..<30).map { WatermarkWrites(conversationID: "c\($0)", hasReadSeqs: [("b", 2)]) }
            try store.write(writes)
            let reads = (0..<30).map { ReceiptEvent(eventID: "r\($0)", userID: "b", conversationID: "c\($0)",
                                                    sessionType: .single, peerUserID: "a",
                                                    body: .markConversationAsRead(hasReadSeq: 1, seqs: [])) }
            let second = try store.read(applier.queries(for: reads, positions: reads.indices.map { Int64(100 + $0) }))
            #expect(second.values.allSatisfy { $0.maxSeq == 2 && $0.hasReadSeqs[IDKey("b")] == 2 })
            try store.checkWriter()  // every slot used, checked while idle
        }
    }

    @Test("one slot's write position set back (its shard rolled back) is noticed at the next batch touching it")
    func aSlotThatWentBackIsNoticed() async throws {
        try await withClusterStore { _, store in
            let events = [newMsg(1, "m1"), newMsg(2, "m1")]
            _ = try store.read(applier.queries(for: events, positions: [0, 1]))
            let scope = CheckScope.slot(of: "c1")
            let position = try #require(store.acknowledgedPositions[scope])
            _ = try store.execute([.set(scope.writer(store.writerID), String(position - 1))], scripts: [])
            #expect(throws: RedisStateLost.self) {
                try store.read(applier.queries(for: [newMsg(1, "m2")], positions: [2]))
            }
            // The slot is marked, so every worker's allocation there refuses until rebuilt.
            let sentinel = try store.execute([.get(scope.sentinel)], scripts: [])[0].get().string
            #expect(sentinel == RedisKeys.rolledBack)
            #expect(try store.currentEpoch() == nil)
        }
    }

    @Test("a slot whose sentinel is gone (its shard lost its data) refuses to allocate; the store re-seeds every slot")
    func aSlotThatLostItsDataRefuses() async throws {
        try await withClusterStore { _, store in
            _ = try store.read(applier.queries(for: [newMsg(3, "m1")], positions: [0]))
            _ = try store.execute([.del(CheckScope.slot(of: "c3").sentinel)], scripts: [])
            #expect(try store.currentSentinel() == nil)
            #expect(throws: RedisStateLost.self) {
                try store.read(applier.queries(for: [newMsg(3, "m2")], positions: [1]))
            }
            try store.setSentinel("E2")
            store.epoch = "E2"
            try store.restorePositions()
            let seqs = try store.read(applier.queries(for: [newMsg(3, "m2")], positions: [1]))
            #expect(seqs[IDKey("c3")]?.allocatedSeqs == [2])
        }
    }

    @Test("a takeover requires the previous writer's recorded slot positions: a slot that went back since is noticed, and the others pass")
    func aTakeoverRequiresThePreviousWritersSlotPositions() async throws {
        try await withClusterStore { nodes, previous in
            let events = (0..<6).map { newMsg($0, "m1") }
            _ = try previous.read(applier.queries(for: events, positions: events.indices.map { Int64($0) }))
            let recorded = previous.slotPositionsToRecord()
            #expect(recorded.count == Set(events.map { CheckScope.slot(of: $0.conversationID) }).count)
            #expect(previous.slotPositionsToRecord().isEmpty, "recorded once, until a position moves")

            let successor = RedisStateStore(configuration: previous.configuration)
            successor.epoch = "E"
            successor.requiredSlotPositions = recorded.mapValues { [previous.writerID: $0] }
            try successor.checkWriter()
            #expect(successor.requiredSlotPositions.isEmpty, "checked, then covered by its own positions")
            #expect(Set(successor.acknowledgedPositions.keys.compactMap(\.slot)) == Set(recorded.keys))

            // c2's shard rolls back below what the previous writer's checkpoint recorded.
            let slot = try #require(CheckScope.slot(of: "c2").slot)
            _ = try previous.execute([.set(RedisKeys.slotWriter(slot, previous.writerID), "0")], scripts: [])
            let next = RedisStateStore(configuration: previous.configuration)
            next.epoch = "E"
            next.requiredSlotPositions = recorded.mapValues { [previous.writerID: $0] }
            #expect(throws: RedisStateLost.self) { try next.checkWriter() }
        }
    }

    private func newMsg(_ conversation: Int, _ clientMsgID: String) -> ReceiptEvent {
        ReceiptEvent(eventID: "\(conversation)-\(clientMsgID)", userID: "a", conversationID: "c\(conversation)",
                     sessionType: .single, peerUserID: "b", body: .newMessage(clientMsgID: clientMsgID))
    }

    /// A cluster of its own and a store on it whose every slot holds epoch "E".
    private func withClusterStore(_ body: @escaping @Sendable (RedisClusterNodes, RedisStateStore) throws -> Void)
        async throws {
        try await onOwnThread {
            let nodes = try RedisClusterNodes()
            let store = RedisStateStore(configuration: .init(endpoint: nodes.servers[0].endpoint,
                                                             clusterSeeds: [nodes.servers[0].endpoint]))
            try store.setSentinel("E")
            store.epoch = "E"
            try body(nodes, store)
        }
    }
}
