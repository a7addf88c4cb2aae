@testable import ReceiptPipeline
import ReceiptKafka
import Testing

/// Coalescing keeps the checkpoint invariant: a batch whose group reads wait in a
/// window is not finished before every record of that window is acknowledged.
@Suite("Group read windows hold back their batches' checkpoints")
struct GroupReadHoldsTests {
    let partition = TopicPartition(topic: "events", partition: 0)

    @Test("a batch with no records of its own stays unfinished until its window's records are acknowledged")
    func windowHoldsItsBatches() {
        var ledger = DeliveryLedger()
        var holds = GroupReadHolds()
        let first = ledger.open(nextOffsets: [partition: 10])
        let second = ledger.open(nextOffsets: [partition: 20])
        holds.hold(window: 1, batch: first, ledger: &ledger)
        holds.hold(window: 1, batch: first, ledger: &ledger)  // once per batch and window
        holds.hold(window: 1, batch: second, ledger: &ledger)
        #expect(ledger.takeFinishedOffsets().isEmpty)

        let records = [ledger.unattachedTicket(), ledger.unattachedTicket()]
        for ticket in records { holds.sent(ticket, window: 1) }
        #expect(ledger.inFlight == 4)

        ledger.acknowledge(records[0])
        #expect(holds.acknowledged(records[0]).isEmpty)
        #expect(ledger.takeFinishedOffsets().isEmpty)

        ledger.acknowledge(records[1])
        let released = holds.acknowledged(records[1])
        #expect(released.count == 2)
        for ticket in released { ledger.acknowledge(ticket) }
        #expect(ledger.takeFinishedOffsets() == [partition: 20])
        #expect(ledger.inFlight == 0)
    }

    @Test("an acknowledged record that belongs to no window releases nothing")
    func ordinaryRecordsReleaseNothing() {
        var holds = GroupReadHolds()
        #expect(holds.acknowledged(42).isEmpty)
    }
}
