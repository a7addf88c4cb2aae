/// The keys a Redis Cluster holds once per slot: the sentinel and each writer's
/// position. On a cluster no script may touch two slots, so the checks that the
/// global keys (`RedisKeys.sentinel`, `RedisKeys.writer`) make on a single Redis are
/// made per slot, with keys that hash to the slot they guard.
///
/// A slot's keys are `rcpt:{slot-N}:` + their kind, N the smallest number whose
/// `slot-N` hashes to that slot (`RedisKeys.slotTag`). Their kinds (`sentinel:3`,
/// `writer:3:…`) are none of a conversation's, so no conversation's key, whatever
/// its ID, spells one of them.
extension RedisKeys {
    /// String: the epoch of the state the slot holds (see `sentinel`).
    public static func slotSentinel(_ slot: Int) -> String { "rcpt:{\(slotTag(slot))}:sentinel:\(layout)" }

    /// String: one worker process's write position in the slot (see `writer`).
    public static func slotWriter(_ slot: Int, _ writerID: String) -> String {
        "rcpt:{\(slotTag(slot))}:writer:\(layout):" + writerID
    }

    /// A hash tag that hashes to `slot`: `slot-N` for the smallest such N.
    public static func slotTag(_ slot: Int) -> String { slotTags[slot] }

    /// Every slot's tag, found once by counting N up until each slot has one (about
    /// 160,000 CRC16s of a few bytes, a few milliseconds).
    private static let slotTags: [String] = {
        var tags = [String?](repeating: nil, count: RedisHashSlot.count)
        var missing = RedisHashSlot.count
        var number = 0
        while missing > 0 {
            let tag = "slot-\(number)"
            let slot = RedisHashSlot.of(tag)
            if tags[slot] == nil {
                tags[slot] = tag
                missing -= 1
            }
            number += 1
        }
        return tags.map { $0! }
    }()
}
