import ReceiptRedis
import Testing
import TestSupport

/// What `--redis-wait-replicas 1` promises, tried on a worker that waits for one
/// replica: a message is announced while `replica` keeps up, nothing while it is
/// paused (and the worker says why), every message once and in order when it
/// resumes, and the replica then holds their seqs (`heldMaxSeq`: the
/// conversation's maxSeq read from the replica).
/// `replica` is asked for once the conversation is known (a cluster's shard).
func expectNothingAnnouncedBeyondTheReplica(
    worker: RunningWorker, topics: TestTopics, cid: String, replica: (String) throws -> RedisServer,
    heldMaxSeq: @escaping @Sendable (RedisServer, String) throws -> Int64?
) async throws {
    let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
    let reader = try TopicReader(brokers: topics.brokers, topic: topics.notify)
    try await onOwnThread { try producer.send([Events.newMsg("w1", from: "a", in: cid, clientMsgID: "m1", peer: "b")]) }
    let before = try decodeNotifications(try await onOwnThread { try reader.read(atLeast: 1) })
    #expect(before.compactMap(\.assignedSeq) == [1], "announced while the replica keeps up")

    let replica = try replica(cid)
    replica.pause()
    try await onOwnThread {
        try producer.send((2...20).map { Events.newMsg("w\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") })
    }
    let whilePaused = try await onOwnThread { try reader.read(atLeast: 1, timeoutMs: 3_000, settleMs: 0) }
    #expect(whilePaused.isEmpty, "nothing announced while the replica cannot acknowledge")
    #expect(worker.log.tail.contains("WAIT: 0 of 1 replicas"), "the worker says why: \(worker.log.tail)")

    replica.resume()
    let after = try decodeNotifications(try await onOwnThread { try reader.read(atLeast: 19) })
    try await worker.stop()
    #expect(after.compactMap(\.assignedSeq) == Array(2...20), "each message once, in order, once the replica holds it")
    let held = try await onOwnThread { try heldMaxSeq(replica, cid) }
    #expect(held == 20, "the replica holds every seq announced")
}
