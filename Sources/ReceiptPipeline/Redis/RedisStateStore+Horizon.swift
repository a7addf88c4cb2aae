import ReceiptCore
import ReceiptRedis

/// Replay horizons (`ReplayHorizonScript`): what a worker that takes partitions
/// over reads to tell a client's repeat from a replay.
extension RedisStateStore {
    /// Each horizon Redis holds, by tag (`RedisKeys.replayHorizonTag`), checked
    /// against the sentinel of its scope as Redis holds it now, not as this worker
    /// last saw it. A value written under the sentinel's epoch is the horizon. None,
    /// or one of another epoch, is 0: nothing was written under this epoch, and a
    /// rebuild brings back PostgreSQL's state (covered by its own horizons) while
    /// every live worker raises its horizons under the new epoch before it writes
    /// its own state back. A scope whose sentinel is gone or marked rolled back
    /// (its shard lost or went back, not rebuilt yet) leaves the tag out: unknown,
    /// every record of the partition may be a replay.
    func replayHorizons(tags: [String]) throws(RedisError) -> [String: Int64] {
        guard !tags.isEmpty else { return [:] }
        var commands: [RedisCommand] = []
        commands.reserveCapacity(2 * tags.count)
        for tag in tags {
            commands.append(.get(RedisKeys.replayHorizon(tag)))
            commands.append(.get(scope(ofHorizon: tag).sentinel))
        }
        let replies = try execute(commands, scripts: [])
        var horizons: [String: Int64] = [:]
        for (index, tag) in tags.enumerated() {
            guard let sentinel = try replies[2 * index + 1].get().string, sentinel != RedisKeys.rolledBack else { continue }
            horizons[tag] = 0
            guard let value = try replies[2 * index].get().string, let bar = value.firstIndex(of: "|"),
                  value[..<bar] == sentinel, let offset = Int64(value[value.index(after: bar)...]) else { continue }
            horizons[tag] = offset
        }
        return horizons
    }

    private func scope(ofHorizon tag: String) -> CheckScope {
        configuration.clusterSeeds.isEmpty ? .single : .slot(of: tag)
    }

    /// The call that raises the horizon of `tag` to `offset` under `epoch`, or under
    /// the epoch this worker holds for the horizon's scope when nil.
    func raiseReplayHorizon(_ tag: String, to offset: Int64, epoch: String? = nil) -> RedisCommand {
        .evalsha(ReplayHorizonScript.script, keys: [RedisKeys.replayHorizon(tag)],
                 args: [epoch ?? self.epoch(of: scope(ofHorizon: tag)) ?? "", String(offset)])
    }

    /// Raises replay horizons (`ReplayHorizonScript`) under `epoch`, or each under
    /// the epoch of its own scope when nil. A re-seed does this before it writes
    /// back a worker's unflushed state, so that state never sits in Redis under an
    /// epoch whose horizons do not cover the records that made it.
    func raiseReplayHorizons(_ horizons: [(tag: String, offset: Int64)], epoch: String? = nil) throws(RedisError) {
        guard !horizons.isEmpty else { return }
        let commands = horizons.map { raiseReplayHorizon($0.tag, to: $0.offset, epoch: epoch) }
        for reply in try execute(commands, scripts: [ReplayHorizonScript.script]) { _ = try reply.get() }
    }

    /// Whether a horizon's tag lives in one of `slots` (nil: every slot).
    func horizonTag(_ tag: String, isIn slots: Set<Int>?) -> Bool {
        guard let slots else { return true }
        return scope(ofHorizon: tag).slot.map(slots.contains) ?? true
    }
}
