import ReceiptCore
import ReceiptRedis

/// Where Redis keeps the sentinel and the write positions that guard a group of
/// conversations. A single Redis has one scope for everything (`RedisKeys.sentinel`,
/// `RedisKeys.writer`); a Redis Cluster has one per slot (`RedisKeys.slotSentinel`,
/// `RedisKeys.slotWriter`), since no script may touch keys of two slots. A scope's
/// checks, and every script call of its conversations, stay inside it.
public struct CheckScope: Hashable, Sendable {
    /// The slot, on a cluster; nil on a single Redis.
    public let slot: Int?

    /// The one scope of a single Redis.
    public static let single = CheckScope(slot: nil)

    /// The scope of `conversationID`'s keys on a cluster: the slot of its tag.
    public static func slot(of conversationID: String) -> CheckScope {
        CheckScope(slot: RedisHashSlot.of(RedisKeys.tag(conversationID).utf8))
    }

    public var sentinel: String { slot.map(RedisKeys.slotSentinel) ?? RedisKeys.sentinel }

    public func writer(_ writerID: String) -> String {
        slot.map { RedisKeys.slotWriter($0, writerID) } ?? RedisKeys.writer(writerID)
    }
}

/// Items (queries, writes) split by scope, in the order each scope first appears,
/// each scope's items in their own order. A single Redis: one group of all of them.
public struct ScopedGroups<Item> {
    public private(set) var groups: [(scope: CheckScope, items: [Item])] = []

    public init(_ items: [Item], cluster: Bool, conversationID: (Item) -> String) {
        guard cluster else {
            groups = [(.single, items)]
            return
        }
        var index: [CheckScope: Int] = [:]
        for item in items {
            let scope = CheckScope.slot(of: conversationID(item))
            if let at = index[scope] {
                groups[at].items.append(item)
            } else {
                index[scope] = groups.count
                groups.append((scope, [item]))
            }
        }
    }
}
