@testable import ReceiptPipeline
import ReceiptCore
import ReceiptRedis
import Testing

/// Records the worker makes fit the producer's `message.max.bytes`.
@Suite("Notifications fit the producer's message size")
struct MessageSizeFittingTests {
    func configuration(messageMaxBytes: String?) throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration(
            brokers: "127.0.0.1:1", redis: try RedisEndpoint(url: "redis://127.0.0.1:1/0"), postgresURL: "postgresql://x@y/z")
        if let messageMaxBytes { configuration.kafkaProperties["message.max.bytes"] = messageMaxBytes }
        return configuration
    }

    @Test("at librdkafka's default size a receipt lists the configured 10,000 seqs; a smaller size lists what fits in half of it")
    func listedSeqsFitHalfTheMessageSize() throws {
        #expect(try configuration(messageMaxBytes: nil).applierFittingMessages.maxListedSeqs == 10_000)
        #expect(try configuration(messageMaxBytes: "100000").applierFittingMessages.maxListedSeqs == 2_397)
        #expect(try configuration(messageMaxBytes: "6000").applierFittingMessages.maxListedSeqs == 47)
        #expect(try configuration(messageMaxBytes: "1000").applierFittingMessages.maxListedSeqs == 1)
        // The receipt that lists them: 47 seqs of 19 digits each, the longest IDs.
        let id = String(repeating: "x", count: 256)
        let tips = MarkAsReadTips(markAsReadUserID: id, conversationID: id, seqs: Array(repeating: .max, count: 47),
                                  hasReadSeq: .max)
        let receipt = Notification(recvID: id, sessionType: .single, conversationID: id, sourceEventIDs: [id],
                                   payload: .hasReadReceipt(tips))
        #expect(receipt.encodeJSON().count <= 3_000)
        #expect(try configuration(messageMaxBytes: "6000").groupReadsFittingMessages.maxBytesPerNotification == 3_000)
    }
}
