/// The ledger tickets held for `groupHasRead` windows. Invariant: every batch that
/// fed a window holds one reserved ticket until all of the window's records are
/// acknowledged, so its offset is never checkpointed before them.
struct GroupReadHolds {
    /// window → the reserved tickets of the batches that fed it.
    private var reserved: [UInt64: [UInt64]] = [:]
    /// window → the last batch that reserved a ticket for it (a batch reserves once).
    private var lastBatch: [UInt64: UInt64] = [:]
    /// window → its records produced and not yet acknowledged.
    private var unacknowledged: [UInt64: Int] = [:]
    /// record ticket → its window.
    private var windowOfRecord: [UInt64: UInt64] = [:]

    mutating func hold(window: UInt64, batch: UInt64, ledger: inout DeliveryLedger) {
        guard lastBatch[window] != batch else { return }
        lastBatch[window] = batch
        reserved[window, default: []].append(ledger.ticket(for: batch))
    }

    mutating func sent(_ ticket: UInt64, window: UInt64) {
        windowOfRecord[ticket] = window
        unacknowledged[window, default: 0] += 1
    }

    /// A record was acknowledged; returns the reserved tickets to release when it was
    /// its window's last.
    mutating func acknowledged(_ ticket: UInt64) -> [UInt64] {
        guard !windowOfRecord.isEmpty, let window = windowOfRecord.removeValue(forKey: ticket) else { return [] }
        unacknowledged[window, default: 1] -= 1
        guard unacknowledged[window] == 0 else { return [] }
        unacknowledged[window] = nil
        lastBatch[window] = nil
        return reserved.removeValue(forKey: window) ?? []
    }
}
