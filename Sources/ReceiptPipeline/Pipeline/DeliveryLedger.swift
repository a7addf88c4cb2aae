import ReceiptKafka

/// Tracks which consumed records are finished: applied, and every record they
/// caused (notifications, dead letters) acknowledged by the broker.
///
/// Invariant: `takeFinishedOffsets()` only ever reports, per partition, an offset
/// whose every earlier record is finished. A batch whose records are still in
/// flight holds back every batch after it, so an offset is never committed ahead of
/// an unacknowledged notification.
struct DeliveryLedger {
    private struct Batch {
        let id: UInt64
        /// Next offset to consume, per partition, once this batch is finished.
        let nextOffsets: [TopicPartition: Int64]
        var outstanding: Int
    }

    private var batches: [Batch] = []
    private var head = 0
    private var ticketBatch = TicketWindow<UInt64>()
    private var nextTicket: UInt64 = 1
    private var nextBatch: UInt64 = 1

    /// Records produced and not yet acknowledged.
    var inFlight: Int { ticketBatch.count }

    /// Opens a batch covering `nextOffsets`; returns its id for `ticket(for:)`.
    mutating func open(nextOffsets: [TopicPartition: Int64]) -> UInt64 {
        defer { nextBatch += 1 }
        batches.append(Batch(id: nextBatch, nextOffsets: nextOffsets, outstanding: 0))
        return nextBatch
    }

    /// A new ticket for one record produced on behalf of `batch`.
    mutating func ticket(for batch: UInt64) -> UInt64 {
        let ticket = nextTicket
        nextTicket += 1
        ticketBatch[ticket] = batch
        if let index = position(of: batch) { batches[index].outstanding += 1 }
        return ticket
    }

    /// `count` consecutive new tickets for records produced on behalf of `batch`.
    mutating func tickets(for batch: UInt64, count: Int) -> Range<UInt64> {
        let first = nextTicket
        for _ in 0..<count { _ = ticket(for: batch) }
        return first..<nextTicket
    }

    /// A ticket no batch waits on: for a record whose batches hold tickets of their
    /// own until it is acknowledged (a coalesced `groupHasRead`). It counts in
    /// `inFlight`, so a drain still waits for it.
    mutating func unattachedTicket() -> UInt64 {
        let ticket = nextTicket
        nextTicket += 1
        ticketBatch[ticket] = Self.noBatch
        return ticket
    }

    /// Batch ids start at 1; an unattached ticket belongs to this one, never opened.
    private static let noBatch: UInt64 = 0

    /// The broker acknowledged the record with this ticket.
    mutating func acknowledge(_ ticket: UInt64) {
        guard let batch = ticketBatch.removeValue(forKey: ticket), let index = position(of: batch) else { return }
        batches[index].outstanding -= 1
    }

    /// The latest next-offset per partition up to which everything is finished, and
    /// forgets the batches it covers. Empty when nothing new finished.
    mutating func takeFinishedOffsets() -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        while head < batches.count, batches[head].outstanding == 0 {
            offsets.merge(batches[head].nextOffsets) { max($0, $1) }
            head += 1
        }
        if head > 1024, head * 2 > batches.count {
            batches.removeFirst(head)
            head = 0
        }
        return offsets
    }

    private func position(of batch: UInt64) -> Int? {
        guard head < batches.count, batch >= batches[head].id else { return nil }
        let index = head + Int(batch - batches[head].id)
        return index < batches.count && batches[index].id == batch ? index : nil
    }
}
