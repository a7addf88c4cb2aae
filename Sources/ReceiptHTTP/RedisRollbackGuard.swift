import ReceiptCore
import ReceiptRedis

/// Keeps the query API from answering out of a Redis that went back in time (a
/// restored snapshot, a failover to a replica that lagged) or is being rebuilt: such
/// a Redis may hold a watermark or a maxSeq older than one this process announced.
///
/// Every Redis read is sent as one `MULTI` … `EXEC` transaction that first reads the
/// sentinel and this process's write position, so the check and the answer see one
/// moment of Redis. The answer stands only when the sentinel holds the epoch the
/// worker last acknowledged and the position is at least the one it acknowledged
/// (`RedisAcknowledgement`): Redis loses writes as a suffix of its write order, so a
/// Redis that lost any write this process announced from has also lost that
/// position. Otherwise the read fails as `StateReadError` with `isRecovering` (503,
/// `recovering`) until the worker has rebuilt Redis and acknowledged it again.
///
/// What it cannot see: writes of another process that this process's position
/// does not cover. That process's worker notices at its next round trip (within a
/// second when idle) and marks the sentinel, which this guard then sees.
struct RedisRollbackGuard: Sendable {
    /// Where the worker of this process reports what Redis acknowledged.
    let status: WorkerStatus

    /// The transaction that runs `commands` after reading the sentinel and the
    /// acknowledged writer's position. Throws when the worker has not yet found Redis
    /// whole (at start, or before it has checked a Redis it lost).
    func transaction(_ commands: [RedisCommand]) throws(StateReadError) -> (RedisAcknowledgement, [RedisCommand]) {
        guard let acknowledgement = status.redisAcknowledgement else {
            throw Self.recovering("the worker has not found Redis whole yet")
        }
        let check: [RedisCommand] = [.get(RedisKeys.sentinel), .get(RedisKeys.writer(acknowledgement.writerID))]
        return (acknowledgement, [RedisCommand(["MULTI"])] + check + commands + [RedisCommand(["EXEC"])])
    }

    /// The replies of `commands` from the transaction's replies (`MULTI`'s, each
    /// `QUEUED`, then `EXEC`'s array), once the check in it passed.
    func replies(_ replies: [RedisReply], of acknowledgement: RedisAcknowledgement) throws(StateReadError) -> [RedisReply] {
        guard let executed = replies.last?.array, executed.count >= 2 else {
            throw StateReadError(.redis, isUnavailable: false, detail: "a read transaction was not executed")
        }
        let sentinel = executed[0].string
        guard sentinel == acknowledgement.epoch else {
            let reason = switch sentinel {
            case nil: "Redis holds no state (it lost its data; being re-seeded)"
            case RedisKeys.rolledBack: "Redis rolled back (being rebuilt)"
            default: "Redis was rebuilt since the worker last checked it"
            }
            throw Self.recovering(reason)
        }
        let position = executed[1].isNull ? 0 : executed[1].int64 ?? 0
        guard position >= acknowledgement.position else {
            throw Self.recovering("Redis holds write position \(position), below the \(acknowledgement.position) it "
                + "acknowledged: it rolled back")
        }
        let answers = executed.dropFirst(2)
        for case .error(let text) in answers {
            // The error's first word (WRONGTYPE, …): the rest may quote keys.
            throw StateReadError(.redis, isUnavailable: false,
                                 detail: "Redis refused a read: \(text.prefix { $0 != " " })")
        }
        return Array(answers)
    }

    private static func recovering(_ detail: String) -> StateReadError {
        var error = StateReadError(.redis, isUnavailable: true, detail: detail)
        error.isRecovering = true
        return error
    }
}
