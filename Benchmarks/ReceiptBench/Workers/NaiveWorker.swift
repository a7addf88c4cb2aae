import Foundation
import ReceiptCore
import ReceiptKafka
import ReceiptRedis
import Synchronization

/// The baseline: the worker as the source documents' designs (OpenIM, SkyeIM) build
/// it. One event at a time, one Redis round trip per command, each notification
/// produced and its delivery awaited before the next event.
///
/// It reuses ReceiptCore's decoder, read rules and notification encoding, so only the
/// I/O pattern differs from receiptd. It does not write PostgreSQL at all (which
/// favours it), and commits offsets to Kafka once a second.
public final class NaiveWorker {
    public struct Configuration: Sendable {
        public var brokers: String
        public var redis: RedisEndpoint
        public var group: String
        public var eventsTopic: String
        public var notifyTopic: String
        public var deadLetterTopic: String
        /// Default: 86,400 s, as receiptd.
        public var clientMessageTTLSeconds = 86_400

        public init(brokers: String, redis: RedisEndpoint, group: String, eventsTopic: String,
                    notifyTopic: String, deadLetterTopic: String) {
            self.brokers = brokers
            self.redis = redis
            self.group = group
            self.eventsTopic = eventsTopic
            self.notifyTopic = notifyTopic
            self.deadLetterTopic = deadLetterTopic
        }
    }

    private let configuration: Configuration
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let redis: RedisConnection
    private let decoder = EventDecoder()
    private let applier = BatchApplier()
    private var nextTicket: UInt64 = 1
    private var positions: [TopicPartition: Int64] = [:]
    private var lastCommit = ContinuousClock.now

    public init(configuration: Configuration) throws {
        self.configuration = configuration
        consumer = try KafkaConsumer.make(
            configuration: KafkaConfiguration(properties: [
                "bootstrap.servers": configuration.brokers,
                "group.id": configuration.group,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": "10000",
            ]),
            topics: [configuration.eventsTopic],
            rebalance: RebalanceHandler(onAssign: { partitions in
                FileHandle.standardError.write(Data("naive-worker: partitions assigned \(partitions.count)\n".utf8))
                return [:]
            }))
        // linger.ms 0: a synchronous producer does not wait for a batch that never fills.
        producer = try KafkaProducer.make(configuration: KafkaConfiguration(properties: [
            "bootstrap.servers": configuration.brokers, "linger.ms": "0",
        ]))
        redis = try RedisConnection.connect(configuration.redis, timeoutMs: 5_000)
    }

    /// Runs until `stop` is set. Blocking: on its own thread.
    public func run(until stop: borrowing Atomic<Bool>) throws {
        while !stop.load(ordering: .relaxed) {
            for record in try consumer.poll(maxRecords: 1, timeoutMs: 100) {
                try handle(record)
                positions[record.topicPartition] = record.offset + 1
            }
            if ContinuousClock.now - lastCommit > .seconds(1) {
                try consumer.commit(positions)
                lastCommit = .now
            }
        }
        try? consumer.commit(positions)
        try? consumer.close()
    }

    private func handle(_ record: KafkaRecord) throws {
        let event: ReceiptEvent
        switch decoder.decode(record.value) {
        case .failure(let rejection):
            return try deadLetter(record, rejection)
        case .success(let decoded):
            event = decoded
        }
        var snapshots: [IDKey: ConversationSnapshot] = [:]
        for query in BatchQueries.make(for: [event]) {
            snapshots[IDKey(query.conversationID)] = try snapshot(query)
        }
        let outcome = applier.apply([event], snapshots: snapshots)
        for write in outcome.watermarkWrites {
            _ = try redis.execute(.zadd(NaiveKeys.readWatermarks(write.conversationID), greaterThan: true,
                                        changed: true, write.hasReadSeqs.map { (score: $0.hasReadSeq, member: $0.userID) }))
        }
        if case .rejected(let rejection) = outcome.results.first {
            return try deadLetter(record, rejection)
        }
        for notification in outcome.notifications {
            try produceAndWait(OutgoingRecord(topic: configuration.notifyTopic, key: Array(notification.recvID.utf8),
                                              value: notification.encodeJSON()))
        }
    }

    /// One round trip per command: GET maxSeq, one ZSCORE per reader, and per new
    /// message GET its clientMsgID key, then INCR and SET when it has no seq yet.
    private func snapshot(_ query: ConversationQuery) throws -> ConversationSnapshot {
        let cid = query.conversationID
        var snapshot = ConversationSnapshot()
        if query.needsMaxSeq {
            snapshot.maxSeq = try redis.execute(.get(NaiveKeys.maxSeq(cid))).int64 ?? 0
        }
        for reader in query.readers {
            if let seq = try redis.execute(.zscore(NaiveKeys.readWatermarks(cid), reader)).int64 {
                snapshot.hasReadSeqs[IDKey(reader)] = seq
            }
        }
        for allocation in query.allocations {
            let key = NaiveKeys.clientMessage(cid, allocation.clientMsgID)
            if let seq = try redis.execute(.get(key)).int64 {
                snapshot.allocatedSeqs.append(seq)
                continue
            }
            guard let seq = try redis.execute(.incr(NaiveKeys.maxSeq(cid))).int64 else {
                throw RedisError(.unexpectedReply, context: "INCR")
            }
            _ = try redis.execute(.set(key, String(seq), expireSeconds: configuration.clientMessageTTLSeconds))
            snapshot.allocatedSeqs.append(seq)
        }
        return snapshot
    }

    private func deadLetter(_ record: KafkaRecord, _ rejection: Rejection) throws {
        try produceAndWait(OutgoingRecord(
            topic: configuration.deadLetterTopic, key: record.key, value: record.value,
            headers: [KafkaHeader(name: "x-receiptd-error", value: Array(rejection.code.rawValue.utf8))]))
    }

    /// Produces one record and blocks until the broker acknowledged it.
    private func produceAndWait(_ record: OutgoingRecord) throws {
        let ticket = nextTicket
        nextTicket += 1
        try producer.send(record, ticket: ticket)
        while true {
            for report in producer.pollDeliveries(timeoutMs: 50) where report.ticket == ticket {
                if let error = report.error { throw error }
                return
            }
        }
    }
}

/// receiptd's key schema (`RedisKeys` in ReceiptPipeline), so both workers do the same
/// Redis work.
enum NaiveKeys {
    static func maxSeq(_ cid: String) -> String { "rcpt:{\(cid)}:seq" }
    static func readWatermarks(_ cid: String) -> String { "rcpt:{\(cid)}:read" }
    static func clientMessage(_ cid: String, _ clientMsgID: String) -> String { "rcpt:{\(cid)}:cm:\(clientMsgID)" }
}
