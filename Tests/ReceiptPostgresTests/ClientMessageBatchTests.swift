import ReceiptCore
@testable import ReceiptPostgres
import Testing

@Suite struct ClientMessageBatchTests {
    @Test func groupingGivesOneBatchPerConversationInConversationOrderWithSeqsAscending() {
        let batches = ClientMessageBatch.grouping([
            ClientMessage("b", storedID: "late"): 9, ClientMessage("a", storedID: "x"): 4, ClientMessage("b", storedID: "early"): 2,
            ClientMessage("b", storedID: "middle"): 5,
        ])
        #expect(batches == [
            ClientMessageBatch(conversationID: "a", seqs: [4], clientMsgIDs: ["x"]),
            ClientMessageBatch(conversationID: "b", seqs: [2, 5, 9], clientMsgIDs: ["early", "middle", "late"]),
        ])
    }

    @Test func theHashIsAStableNonNegativeFunctionOfTheSeqsAlone() {
        let one = ClientMessageBatch(conversationID: "a", seqs: [1, 2, 3], clientMsgIDs: ["x", "y", "z"])
        let sameSeqs = ClientMessageBatch(conversationID: "b", seqs: [1, 2, 3], clientMsgIDs: ["p", "q", "r"])
        let other = ClientMessageBatch(conversationID: "a", seqs: [1, 2, 4], clientMsgIDs: ["x", "y", "z"])
        #expect(one.seqsHash == sameSeqs.seqsHash)
        #expect(one.seqsHash != other.seqsHash)
        #expect([one, other, ClientMessageBatch(conversationID: "a", seqs: [.max], clientMsgIDs: ["m"])]
            .allSatisfy { $0.seqsHash >= 0 })
        // FNV-1a 64 of the eight little-endian bytes of 1, top bit cleared: the stored
        // keys must not change between releases.
        #expect(ClientMessageBatch(conversationID: "a", seqs: [1], clientMsgIDs: ["x"]).seqsHash
            == Int64(bitPattern: 0x89cd_3129_1d2a_efa4 & 0x7fff_ffff_ffff_ffff))
    }
}
