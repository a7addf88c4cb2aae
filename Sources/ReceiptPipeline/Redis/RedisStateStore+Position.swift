import ReceiptCore
import ReceiptRedis

/// The writer check: how the store notices a Redis that rolled back
/// (`WriterPositionScript`).
extension RedisStateStore {
    /// The writer check as a command: the sentinel must hold `epoch`, this writer's
    /// position must not be below what it acknowledged, nor any required position
    /// below what its checkpoint recorded; then the position advances.
    func writerCheck(epoch: String) -> RedisCommand {
        var keys = [RedisKeys.sentinel, RedisKeys.writer(writerID)]
        var args = [epoch, String(acknowledgedPosition)]
        for (writer, position) in requiredPositions.sorted(by: { $0.key < $1.key }) {
            keys.append(RedisKeys.writer(writer))
            args.append(String(position))
        }
        return .evalsha(WriterPositionScript.script, keys: keys, args: args)
    }

    /// Takes the writer check's reply: the new position, which must be above every
    /// position acknowledged before (only this process advances it). Throws
    /// `RedisStateLost` when the check failed or the position went back; any other
    /// failed reply as it is.
    func acknowledge(_ reply: Result<RedisReply, RedisError>) throws {
        let position: Int64
        switch reply {
        case .success(let value):
            guard let integer = value.int64 else {
                throw RedisError(.unexpectedReply, context: "writer check returned a reply that is not a position")
            }
            position = integer
        case .failure(let error):
            if let detail = error.detail, detail.hasPrefix(WriterPositionScript.rolledBackError) {
                throw RedisStateLost(trigger: .writePosition, detail: detail)
            }
            if Self.isStateLost(reply) { throw RedisStateLost() }
            throw error
        }
        guard position > acknowledgedPosition else {
            // An earlier check passed against a position that then went back: mark it.
            markRolledBack()
            throw RedisStateLost(trigger: .writePosition,
                                 detail: "write position \(position) is not above the acknowledged \(acknowledgedPosition)")
        }
        acknowledgedPosition = position
    }

    /// What Redis last acknowledged to this writer; nil until an epoch is adopted.
    var acknowledgement: RedisAcknowledgement? {
        epoch.map { RedisAcknowledgement(writerID: writerID, epoch: $0, position: acknowledgedPosition) }
    }

    /// The writer check on its own (once a second, and when partitions are
    /// assigned): a Redis that lost or rolled back its data is noticed even while no
    /// events arrive. A success also covers the required positions from here on.
    func checkWriter() throws {
        guard let epoch else { throw RedisStateLost() }
        let required = requiredPositions
        let replies = try execute([writerCheck(epoch: epoch)], scripts: [WriterPositionScript.script])
        try acknowledge(replies[0])
        requiredPositions = requiredPositions.filter { required[$0.key] != $0.value }
    }

    /// Writes `RedisKeys.rolledBack` into the sentinel if it still holds this
    /// worker's epoch, so that every replica's allocations refuse and the state is
    /// rebuilt; best effort (a Redis that cannot be reached now is marked by the
    /// recovery, which calls this again).
    func markRolledBack() {
        guard let epoch else { return }
        let command = RedisCommand.evalsha(
            WriterPositionScript.script, keys: [RedisKeys.sentinel, RedisKeys.writer(writerID)],
            args: [epoch, String(WriterPositionScript.beyondAny)])
        _ = try? execute([command], scripts: [WriterPositionScript.script])
    }

    /// Raises this writer's position back to what it acknowledged (after the state
    /// was rebuilt: a rolled-back Redis holds a lower one), and the writers'
    /// positions `required` names to at least their values (the seeding replica,
    /// for every checkpoint's record).
    func restorePositions(_ required: [String: Int64] = [:]) throws(RedisError) {
        var commands = [RedisCommand.evalsha(RaiseCounterScript.script, keys: [RedisKeys.writer(writerID)],
                                             args: [String(acknowledgedPosition)])]
        for (writer, position) in required {
            commands.append(.evalsha(RaiseCounterScript.script, keys: [RedisKeys.writer(writer)], args: [String(position)]))
        }
        for reply in try execute(commands, scripts: [RaiseCounterScript.script]) { _ = try reply.get() }
    }

    /// The reason of an allocation that found its counter deleted; nil for any other reply.
    static func counterMissing(_ reply: Result<RedisReply, RedisError>) -> String? {
        guard case .failure(let error) = reply, let detail = error.detail,
              detail.hasPrefix(AllocationScript.counterMissingError) else { return nil }
        return detail
    }
}
