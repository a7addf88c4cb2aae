import ReceiptBench
import ReceiptCore

/// About one second of the worker at ~75k events/s, as `StateChanges`: the changes of
/// 15 consecutive batches of 5,000 records of the default mix, each applied against
/// the state the batches before it left, in the order the worker merges them into
/// its unflushed changes (`pending.changes.merge(outcome.changes)`).
struct MergeFixtures {
    /// One batch's changes each, in batch order.
    let batches: [StateChanges]

    init(batchCount: Int = 15, batchSize: Int = 5_000) {
        var generator = LoadGenerator(mix: LoadMix(), runTag: "merge")
        let decoder = EventDecoder()
        let applier = BatchApplier()
        var maxSeqs: [IDKey: Int64] = [:]
        var batches: [StateChanges] = []
        for _ in 0..<batchCount {
            let events = (0..<batchSize).compactMap { _ in
                try? decoder.decode(generator.next(sendTimeMs: 1_700_000_000_000).value).get()
            }
            var snapshots: [IDKey: ConversationSnapshot] = [:]
            for query in BatchQueries.make(for: events) {
                let maxSeq = maxSeqs[IDKey(query.conversationID)] ?? 0
                var snapshot = ConversationSnapshot(maxSeq: maxSeq)
                snapshot.allocatedSeqs = query.allocations.indices.map { maxSeq + 1 + Int64($0) }
                snapshots[IDKey(query.conversationID)] = snapshot
            }
            let changes = applier.apply(events, snapshots: snapshots).changes
            maxSeqs.merge(changes.maxSeqs) { max($0, $1) }
            batches.append(changes)
        }
        self.batches = batches
    }

    /// The unflushed changes before the last batch is merged: every batch but the
    /// last, merged from empty as the worker does after a hand-off.
    func accumulatedBeforeLast() -> StateChanges {
        var pending = StateChanges()
        for changes in batches.dropLast() { pending.merge(changes) }
        return pending
    }
}
