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
}
