import ReceiptCore

/// The client messages of one conversation that one flush stores, as one row of
/// `client_message_batch`: seqs ascending, clientMsgIDs in the same order.
struct ClientMessageBatch: Equatable {
    var conversationID: String
    var seqs: [Int64]
    var clientMsgIDs: [String]

    /// The row's key within its conversation: a 63-bit FNV-1a of the seqs, so the
    /// same messages flushed again hit the same row. (Rows migrated from version 1
    /// have negative made-up hashes, so they never meet one of these.) A seq belongs
    /// to one message, so equal seqs mean equal messages.
    var seqsHash: Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for seq in seqs {
            var value = UInt64(bitPattern: seq)
            for _ in 0..<8 {
                hash = (hash ^ (value & 0xff)) &* 0x100_0000_01b3
                value >>= 8
            }
        }
        return Int64(bitPattern: hash & 0x7fff_ffff_ffff_ffff)
    }

    /// One batch per conversation, in conversation (byte) order (so concurrent flushes lock
    /// rows in the same order).
    static func grouping(_ messages: [ClientMessage: Int64]) -> [ClientMessageBatch] {
        var byConversation: [IDKey: [(seq: Int64, clientMsgID: String)]] = [:]
        for (message, seq) in messages {
            byConversation[IDKey(message.conversationID), default: []].append((seq, message.storedID))
        }
        return byConversation.sorted { $0.key < $1.key }.map { conversation, entries in
            let ordered = entries.sorted {
                $0.seq != $1.seq ? $0.seq < $1.seq : IDKey.precedes($0.clientMsgID, $1.clientMsgID)
            }
            return ClientMessageBatch(conversationID: conversation.id, seqs: ordered.map(\.seq),
                                      clientMsgIDs: ordered.map(\.clientMsgID))
        }
    }
}
