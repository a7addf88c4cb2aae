import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing
import TestSupport

/// A batch's commands split by slot (`ScopedGroups`, `CheckScope`) run on a real
/// Redis Cluster as they do on a single Redis: no call spans two slots (no
/// CROSSSLOT), each slot's allocations check that slot's sentinel, and the replies
/// decode to the same snapshots.
@Suite("Batch commands on a Redis Cluster", .serialized)
struct ClusterCommandsTests {
    @Test("a batch over 40 conversations reads, allocates and writes slot by slot on a cluster")
    func aBatchRunsSlotBySlot() async throws {
        try await onOwnThread {
            let nodes = try RedisClusterNodes()
            let cluster = RedisCluster(configuration: .init(seeds: [nodes.servers[0].endpoint]))
            for script in [AllocationScript.script, MarksReadScript.script, FoldMarksScript.script] {
                try cluster.load(script)
            }
            let builder = BatchCommands()
            let queries = (0..<40).map { index in
                var query = ConversationQuery(conversationID: "c\(index)")
                query.needsMaxSeq = true
                query.readers = ["a"]
                query.markedReaders = index % 4 == 0 ? ["a"] : []
                query.recipients = index % 3 == 0 ? ["b"] : []
                query.privateReaders = index % 2 == 0 ? ["a"] : []
                query.allocations = [("m1", "a"), ("m2", "b")]
                query.allocationPositions = [Int64(2 * index), Int64(2 * index + 1)]
                return query
            }
            let groups = ScopedGroups(queries, cluster: true, conversationID: \.conversationID).groups
            #expect(groups.count > 20, "40 conversations fall on many slots")
            // Every slot's sentinel holds the epoch but one, which must refuse alone.
            let refused = groups[0].scope
            _ = try cluster.pipeline(groups.map { .set($0.scope.sentinel, $0.scope == refused ? "other" : "E") })

            var commands: [RedisCommand] = []
            var ranges: [Range<Int>] = []
            for group in groups {
                let read = builder.read(group.items, epoch: "E", marksBudget: 1_000, scope: group.scope)
                ranges.append(commands.count..<(commands.count + read.count))
                commands += read
            }
            let replies = try cluster.pipeline(commands)
            for (group, range) in zip(groups, ranges) {
                let slice = Array(replies[range])
                if group.scope == refused {
                    let refusal = slice.compactMap { reply -> String? in
                        guard case .failure(let error) = reply else { return nil }
                        return error.detail
                    }
                    #expect(refusal.count == 1 && refusal[0].hasPrefix(AllocationScript.stateLostError))
                    continue
                }
                for reply in slice { _ = try reply.get() }  // no CROSSSLOT, no other refusal
                let snapshots = try builder.snapshots(of: group.items, from: slice)
                for query in group.items {
                    #expect(snapshots[IDKey(query.conversationID)]?.allocatedSeqs == [1, 2], "\(query.conversationID)")
                }
            }

            let writes = queries.map {
                WatermarkWrites(conversationID: $0.conversationID, hasReadSeqs: [("a", 2)],
                                privateReadSeqs: $0.privateReaders.isEmpty ? [] : [("a", 4)])
            }
            let marked = queries.filter { !$0.recipients.isEmpty }.map {
                MarkedWrite(.delivery, conversationID: $0.conversationID, userID: "b",
                            state: MarkedWatermark(watermark: 1, marks: []))
            }
            let writeGroups = builder.write(writes, marked, cluster: true)
            #expect(writeGroups.map(\.scope) == groups.map(\.scope))
            for reply in try cluster.pipeline(writeGroups.flatMap(\.commands)) { _ = try reply.get() }
            let watermarks = try cluster.pipeline(queries.map { .zscore(RedisKeys.readWatermarks($0.conversationID), "a") })
            #expect(try watermarks.map { try $0.get().int64 } == queries.map { _ in 2 })
            let privately = try cluster.pipeline(queries.map { .zscore(RedisKeys.privateReadWatermarks($0.conversationID), "a") })
            #expect(try privately.map { try $0.get().int64 } == queries.map { $0.privateReaders.isEmpty ? nil : 4 })

            // Read again: each private reader's private watermark comes back in the snapshot.
            for group in groups where group.scope != refused {
                let replies = try cluster.pipeline(builder.read(group.items, epoch: "E", marksBudget: 1_000, scope: group.scope))
                let snapshots = try builder.snapshots(of: group.items, from: replies)
                for query in group.items {
                    #expect(snapshots[IDKey(query.conversationID)]?.privateReadSeqs == (query.privateReaders.isEmpty ? [:] : ["a": 4]))
                }
            }
        }
    }

    @Test("on a single Redis everything is one group under the global keys")
    func aSingleRedisHasOneScope() {
        let queries = (0..<10).map { ConversationQuery(conversationID: "c\($0)") }
        let groups = ScopedGroups(queries, cluster: false, conversationID: \.conversationID).groups
        #expect(groups.count == 1 && groups[0].scope == .single && groups[0].items.count == 10)
        #expect(CheckScope.single.sentinel == RedisKeys.sentinel)
        #expect(CheckScope.single.writer("w") == RedisKeys.writer("w"))
        #expect(BatchCommands().write([], [], cluster: false).count == 1)
    }
}
