import Logging
import ReceiptCore
import ReceiptKafka

extension ReceiptWorker {
    /// Notifications encoded before they go to the producer in one call: enough to
    /// pay librdkafka's per-call costs once for many records, few enough that the
    /// encoded records and their C descriptors stay small (about 64 KB and 18 KB).
    static let notificationsPerSend = 256

    /// Encodes `notification` for the producer, keyed by its `recvID`, into
    /// `batchNotifications`, which goes out whenever it holds `notificationsPerSend`.
    /// Call `sendBatchNotifications()` after the last. A notification costs no
    /// allocation of its own on the way out.
    func produce(_ notification: Notification, ticket: UInt64) {
        batchNotifications.append(key: notification.recvID, ticket: ticket) { notification.encodeJSON(into: &$0) }
        if batchNotifications.count == Self.notificationsPerSend { sendBatchNotifications() }
    }

    /// Produces the records of closed `groupHasRead` windows. Every one has its
    /// ticket before any is enqueued: an enqueue that waits serves delivery reports,
    /// and a window's first acknowledgements must not release its batches while
    /// records of it remain unsent.
    func produceGroupReads(_ records: [(notification: Notification, ticket: UInt64)]) {
        for (notification, ticket) in records {
            metrics.notifications[notification.type]?.increment()
            produce(notification, ticket: ticket)
        }
        sendBatchNotifications()
    }

    /// Hands the notifications gathered in `batchNotifications` (their tickets are
    /// taken already) to the producer in one call, and empties it. A record the
    /// producer refuses is sent again on its own, until it is taken, like any other.
    func sendBatchNotifications() {
        guard !batchNotifications.isEmpty else { return }
        for (index, error) in producer.send(batchNotifications) {
            metrics.kafkaErrors.increment()
            logger.warning("producing failed; retrying alone", metadata: [
                "topic": "\(batchNotifications.topic)", "error": "\(error)"])
            enqueue(batchNotifications.record(at: index), ticket: batchNotifications.ticket(at: index))
        }
        batchNotifications.removeAll()
    }

    /// Hands one record to the producer; it stays tracked by its ticket until the
    /// broker acknowledges it. A transient failure (a full queue, a broker away) is
    /// retried, serving delivery reports between attempts (a full queue drains as
    /// they are served). A record Kafka refuses as it is (too large, malformed) is
    /// never retried as it is: see `refused(_:ticket:error:)`.
    func enqueue(_ record: OutgoingRecord, ticket: UInt64) {
        var backoff = retryBackoff
        while true {
            do throws(KafkaError) {
                try producer.send(record, ticket: ticket)
                return
            } catch {
                metrics.kafkaErrors.increment()
                if error.refusesTheRecord { return refused(record, ticket: ticket, error: error) }
                let waitMs = backoff.next()
                logger.warning("producing failed; retrying", metadata: [
                    "topic": "\(record.topic)", "error": "\(error)", "retryInMs": "\(waitMs)"])
                serveDeliveries(timeoutMs: Int32(waitMs))
            }
        }
    }

    /// Collects delivery reports: acknowledged records are reported to the machine;
    /// failed ones are sent again (never dropped), from the copy their report carries.
    func serveDeliveries(timeoutMs: Int32) {
        // The reused lists are taken out while they are read: sending a failed record
        // again serves deliveries itself when the producer's queue is full.
        var deliveries = Deliveries()
        swap(&deliveries, &spareDeliveries)
        defer { swap(&deliveries, &spareDeliveries) }
        producer.pollDeliveries(timeoutMs: timeoutMs, into: &deliveries)
        machine.delivered(deliveries.acknowledged.lazy.map(\.ticket))
        for report in deliveries.failed {
            metrics.deliveryFailures.increment()
            guard let record = report.failedRecord else { continue }
            if let error = report.error, error.refusesTheRecord {
                refused(record, ticket: report.ticket, error: error)
                continue
            }
            logger.warning("delivery failed; sending again", metadata: [
                "topic": "\(record.topic)", "error": "\(report.error.map { "\($0)" } ?? "unknown")"])
            enqueue(record, ticket: report.ticket)
        }
    }

    /// Kafka refused `record` as it is. A dead letter goes out truncated, with
    /// headers saying so (never dropped). Anything else (a notification) cannot be
    /// made smaller here: the worker stops with one clear log line rather than
    /// retrying it forever; the ticket stays unacknowledged, so no checkpoint passes
    /// its batch, and the records from there on are replayed by the next start.
    func refused(_ record: OutgoingRecord, ticket: UInt64, error: KafkaError) {
        if record.topic == configuration.deadLetterTopic,
           let smaller = DeadLetter.truncated(record, toFit: configuration.producerMessageMaxBytes) {
            metrics.deadLettersTruncated.increment()
            logger.warning("a dead letter was too large for Kafka; sending it truncated", metadata: [
                "error": "\(error)", "originalBytes": "\(record.value.count)", "keptBytes": "\(smaller.value.count)"])
            return enqueue(smaller, ticket: ticket)
        }
        stopItself("Kafka refused a record for \(record.topic) (\(record.value.count) bytes): \(error); "
            + "it cannot be sent as it is, and nothing smaller can be made of it")
    }
}
