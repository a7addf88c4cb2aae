import ReceiptCore
import Testing

@Suite("State changes merge")
struct StateChangesTests {
    func changes(maxSeq: Int64, read: Int64, clientSeq: Int64) -> StateChanges {
        var changes = StateChanges()
        changes.recordMaxSeq("c1", maxSeq)
        changes.recordRead(ConversationUser("c1", "u1"), MarkedWatermark(watermark: read, marks: []))
        changes.recordClientMessage(ClientMessage("c1", storedID: "m1"), seq: clientSeq)
        return changes
    }

    @Test("merging into changes with room reserved keeps the room and the higher value per key")
    func mergeIntoReservedChangesKeepsRoomAndHigherValues() {
        var pending = StateChanges()
        pending.reserveCapacity(maxSeqs: 100, reads: 100, deliveries: 100, clientMessages: 100)
        let room = pending.clientMessages.capacity
        pending.merge(changes(maxSeq: 5, read: 3, clientSeq: 5))
        pending.merge(changes(maxSeq: 4, read: 4, clientSeq: 9))
        #expect(pending.clientMessages.capacity == room)
        #expect(pending.maxSeqs["c1"] == 5)
        #expect(pending.reads[ConversationUser("c1", "u1")]?.watermark == 4)
        #expect(pending.clientMessages[ClientMessage("c1", storedID: "m1")] == 5)  // the seq it was first given
    }

    @Test("merging into empty changes without room reserved gives the other changes as they are")
    func mergeIntoEmptyChangesTakesTheOther() {
        var pending = StateChanges()
        let other = changes(maxSeq: 7, read: 2, clientSeq: 7)
        pending.merge(other)
        #expect(pending == other)
    }

    @Test("a row's weight grows with its IDs' bytes and its marks, not only by the row")
    func estimatedBytesWeighIDsAndMarks() {
        var small = StateChanges()
        small.recordDelivery(ConversationUser("c", "u"), MarkedWatermark(watermark: 1, marks: [3]))
        var large = StateChanges()
        let longUser = String(repeating: "é", count: 100)  // 200 bytes
        large.recordDelivery(ConversationUser("c", longUser), MarkedWatermark(watermark: 1, marks: Array(3...1_002)))
        #expect(small.estimatedBytes == StateChanges.bytesPerRow + 2 + 8)
        #expect(large.estimatedBytes == StateChanges.bytesPerRow + 1 + 200 + 8 * 1_000)
        #expect(small.rowCount == large.rowCount)
    }
}
