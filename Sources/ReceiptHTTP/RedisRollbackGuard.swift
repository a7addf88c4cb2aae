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
/// second when idle) and marks the sentinel, which this guard then sees. On a
/// cluster each slot is checked on its own: its sentinel, and this process's
/// position in it when the worker used the slot.
struct RedisRollbackGuard: Sendable {
    /// Where the worker of this process reports what Redis acknowledged.
    let status: WorkerStatus
    /// A Redis Cluster: one transaction per slot, each checking that slot's sentinel
    /// (`RedisKeys.slotSentinel`) and this process's position there
    /// (`RedisKeys.slotWriter`) against the one acknowledged for the slot.
    var cluster = false

    /// The transactions that run `commands`, and how to read their replies back.
    struct Plan {
        let acknowledgement: RedisAcknowledgement
        /// Per transaction: its slot (nil on a single Redis) and the indices of the
        /// commands it runs.
        let groups: [(slot: Int?, indices: [Int])]
        let commands: [RedisCommand]
        let commandCount: Int
    }

    /// The transactions that run `commands` after reading the sentinel and the
    /// acknowledged writer's position (on a cluster: each slot's sentinel). Throws
    /// when the worker has not yet found Redis whole (at start, or before it has
    /// checked a Redis it lost).
    func transaction(_ commands: [RedisCommand]) throws(StateReadError) -> Plan {
        guard let acknowledgement = status.redisAcknowledgement else {
            throw Self.recovering("the worker has not found Redis whole yet")
        }
        var groups: [(slot: Int?, indices: [Int])] = []
        if cluster {
            var position: [Int: Int] = [:]
            for (index, command) in commands.enumerated() {
                let slot = command.slot ?? 0
                if let at = position[slot] {
                    groups[at].indices.append(index)
                } else {
                    position[slot] = groups.count
                    groups.append((slot, [index]))
                }
            }
        } else {
            groups = [(nil, Array(commands.indices))]
        }
        var wrapped: [RedisCommand] = []
        for group in groups {
            wrapped.append(RedisCommand(["MULTI"]))
            wrapped += checks(group.slot, acknowledgement)
            wrapped += group.indices.map { commands[$0] }
            wrapped.append(RedisCommand(["EXEC"]))
        }
        return Plan(acknowledgement: acknowledgement, groups: groups, commands: wrapped, commandCount: commands.count)
    }

    /// The reads that check a transaction: the sentinel and this process's write
    /// position (the slot's, on a cluster).
    private func checks(_ slot: Int?, _ acknowledgement: RedisAcknowledgement) -> [RedisCommand] {
        if let slot {
            return [.get(RedisKeys.slotSentinel(slot)), .get(RedisKeys.slotWriter(slot, acknowledgement.writerID))]
        }
        return [.get(RedisKeys.sentinel), .get(RedisKeys.writer(acknowledgement.writerID))]
    }

    /// The replies of the planned commands, in their order, from the transactions'
    /// replies (per transaction: `MULTI`'s, each `QUEUED`, then `EXEC`'s array), once
    /// every check passed.
    func replies(_ replies: [RedisReply], of plan: Plan) throws(StateReadError) -> [RedisReply] {
        var answers = [RedisReply](repeating: .null, count: plan.commandCount)
        var offset = 0
        for group in plan.groups {
            let checkCount = 2  // the sentinel and the write position (`checks`)
            offset += 1 + checkCount + group.indices.count + 1
            guard offset <= replies.count, let executed = replies[offset - 1].array,
                  executed.count == checkCount + group.indices.count else {
                throw StateReadError(.redis, isUnavailable: false, detail: "a read transaction was not executed")
            }
            try check(executed, slot: group.slot, plan.acknowledgement)
            for (index, answer) in zip(group.indices, executed.dropFirst(checkCount)) {
                if case .error(let text) = answer {
                    // The error's first word (WRONGTYPE, …): the rest may quote keys.
                    throw StateReadError(.redis, isUnavailable: false,
                                         detail: "Redis refused a read: \(text.prefix { $0 != " " })")
                }
                answers[index] = answer
            }
        }
        return answers
    }

    /// Throws `recovering` unless the sentinel holds the acknowledged epoch and the
    /// position is at least the acknowledged one (the slot's, on a cluster).
    private func check(_ executed: [RedisReply], slot: Int?, _ acknowledgement: RedisAcknowledgement)
        throws(StateReadError) {
        let sentinel = executed[0].string
        guard sentinel == slot.flatMap({ acknowledgement.slotEpochs[$0] }) ?? acknowledgement.epoch else {
            let reason = switch sentinel {
            case nil: "Redis holds no state (it lost its data; being re-seeded)"
            case RedisKeys.rolledBack: "Redis rolled back (being rebuilt)"
            default: "Redis was rebuilt since the worker last checked it"
            }
            throw Self.recovering(slot.map { "\(reason) in slot \($0)" } ?? reason)
        }
        let position = executed[1].isNull ? 0 : executed[1].int64 ?? 0
        let acknowledged = slot.map { acknowledgement.slotPositions[$0] ?? 0 } ?? acknowledgement.position
        guard position >= acknowledged else {
            let place = slot.map { " in slot \($0)" } ?? ""
            throw Self.recovering("Redis holds write position \(position)\(place), below the \(acknowledged) it "
                + "acknowledged: it rolled back")
        }
    }

    private static func recovering(_ detail: String) -> StateReadError {
        var error = StateReadError(.redis, isUnavailable: true, detail: detail)
        error.isRecovering = true
        return error
    }
}
