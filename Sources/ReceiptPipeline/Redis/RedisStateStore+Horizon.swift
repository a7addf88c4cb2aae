import ReceiptCore
import ReceiptRedis

/// Replay horizons (`ReplayHorizonScript`): what a worker that takes partitions
/// over reads to tell a client's repeat from a replay.
extension RedisStateStore {
    /// Each horizon Redis holds under the current epoch of its scope, by tag
    /// (`RedisKeys.replayHorizonTag`). A tag with none there, or one written under
    /// another epoch (Redis lost its data or was rebuilt since), is absent: every
    /// record of its partition may then be a replay.
    func replayHorizons(tags: [String]) throws(RedisError) -> [String: Int64] {
        guard !tags.isEmpty, epoch != nil else { return [:] }
        let replies = try execute(tags.map { .get(RedisKeys.Parts.key($0, "}:horizon").joined) }, scripts: [])
        var horizons: [String: Int64] = [:]
        for (tag, reply) in zip(tags, replies) {
            guard let value = try reply.get().string, let bar = value.firstIndex(of: "|"),
                  let offset = Int64(value[value.index(after: bar)...]) else { continue }
            let scope = configuration.clusterSeeds.isEmpty ? CheckScope.single : .slot(of: tag)
            if value[..<bar] == self.epoch(of: scope) ?? "" { horizons[tag] = offset }
        }
        return horizons
    }

    /// Raises replay horizons (`ReplayHorizonScript`) under `epoch`, or each under
    /// the epoch of its own scope when nil. A re-seed does this before it writes
    /// back a worker's unflushed state, so that state never sits in Redis under an
    /// epoch whose horizons do not cover the records that made it.
    func raiseReplayHorizons(_ horizons: [(tag: String, offset: Int64)], epoch: String? = nil) throws(RedisError) {
        guard !horizons.isEmpty else { return }
        let commands: [RedisCommand] = horizons.map { horizon in
            let scope = configuration.clusterSeeds.isEmpty ? CheckScope.single : .slot(of: horizon.tag)
            return .evalsha(ReplayHorizonScript.script, keys: [RedisKeys.Parts.key(horizon.tag, "}:horizon").joined],
                            args: [epoch ?? self.epoch(of: scope) ?? "", String(horizon.offset)])
        }
        for reply in try execute(commands, scripts: [ReplayHorizonScript.script]) { _ = try reply.get() }
    }

    /// Whether a horizon's tag lives in one of `slots` (nil: every slot).
    func horizonTag(_ tag: String, isIn slots: Set<Int>?) -> Bool {
        guard let slots, !configuration.clusterSeeds.isEmpty else { return true }
        return CheckScope.slot(of: tag).slot.map(slots.contains) ?? true
    }
}
