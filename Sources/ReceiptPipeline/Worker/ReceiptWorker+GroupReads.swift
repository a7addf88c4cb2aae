import ReceiptCore
import ReceiptKafka

extension ReceiptWorker {
    /// Adds a batch's group reads to their windows; the batch holds one ledger ticket
    /// per window it fed, released once that window's records are acknowledged.
    func holdGroupReads(_ reads: [GroupRead], batch: UInt64) {
        guard !reads.isEmpty else { return }
        let now = coalescerClock()
        for read in reads {
            let window = groupReads.add(read, at: now)
            groupReadHolds.hold(window: window, batch: batch, ledger: &ledger)
        }
    }

    /// Produces the `groupHasRead` records of every window whose time is up, or of
    /// every open window when `closingAll` (before a drain: shutdown, revocation).
    func emitGroupReads(closingAll: Bool = false) {
        let windows = closingAll ? groupReads.closeAll() : groupReads.due(at: coalescerClock())
        for window in windows {
            // Every record of the window counts as sent before any is enqueued: an
            // enqueue that waits serves delivery reports, and the window's first
            // acknowledgements must not release its batches while records remain unsent.
            let tickets = window.notifications.map { _ in
                let ticket = ledger.unattachedTicket()
                groupReadHolds.sent(ticket, window: window.id)
                return ticket
            }
            for (notification, ticket) in zip(window.notifications, tickets) {
                metrics.notifications[notification.type]?.increment()
                produce(notification, ticket: ticket)
            }
        }
        sendBatchNotifications()
    }

    /// Milliseconds since the worker started: the coalescer's monotonic clock.
    private func coalescerClock() -> Int64 {
        (ContinuousClock.now - startedAt).nanoseconds / 1_000_000
    }
}

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
