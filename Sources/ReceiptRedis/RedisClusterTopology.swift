/// Which primary serves each of a cluster's 16,384 slots, as `CLUSTER SHARDS` told
/// it at one moment. A value: the cluster client replaces it whole on a refresh.
///
/// Only primaries whose health is `online` serve; a slot whose primary failed has
/// no node until a replica is promoted and the map is refreshed.
public struct RedisClusterTopology: Sendable, Equatable {
    /// One primary: where to connect, and its node ID.
    public struct Node: Sendable, Hashable {
        public var id: String
        public var host: String
        public var port: Int
    }

    /// The primaries, in the order `CLUSTER SHARDS` listed their shards.
    public private(set) var primaries: [Node] = []
    /// Per slot, the index of its primary in `primaries`; -1 when none serves it.
    private var owners = [Int16](repeating: -1, count: RedisHashSlot.count)

    public init() {}

    /// The topology a `CLUSTER SHARDS` reply describes. Throws `unexpectedReply`
    /// when the reply is not of that shape.
    public init(shards reply: RedisReply) throws(RedisError) {
        guard let shards = reply.array else { throw Self.malformed("not an array of shards") }
        for shard in shards {
            let fields = try Self.fields(shard)
            guard let ranges = fields["slots"]?.array, let nodes = fields["nodes"]?.array else {
                throw Self.malformed("a shard without slots or nodes")
            }
            var primary: Node?
            for node in nodes {
                let node = try Self.fields(node)
                guard node["role"]?.string == "master", node["health"]?.string == "online" else { continue }
                guard let id = node["id"]?.string, let port = node["port"]?.int64,
                      let host = (node["endpoint"]?.string).flatMap({ $0 == "?" || $0.isEmpty ? nil : $0 })
                        ?? node["ip"]?.string else {
                    throw Self.malformed("a primary without id, address or port")
                }
                primary = Node(id: id, host: host, port: Int(port))
            }
            guard let primary, !ranges.isEmpty else { continue }
            let index = primaries.firstIndex(of: primary) ?? primaries.count
            if index == primaries.count { primaries.append(primary) }
            for pair in stride(from: 0, to: ranges.count - 1, by: 2) {
                guard let low = ranges[pair].int64, let high = ranges[pair + 1].int64, 0 <= low, low <= high,
                      high < RedisHashSlot.count else {
                    throw Self.malformed("a slot range out of bounds")
                }
                for slot in Int(low)...Int(high) { owners[slot] = Int16(index) }
            }
        }
    }

    /// The primary that serves `slot`; nil when none does.
    public func primary(of slot: Int) -> Node? {
        let index = owners[slot]
        return index < 0 ? nil : primaries[Int(index)]
    }

    /// Every slot the primary of `slot` serves, `slot` included; nil when none serves it.
    public func slots(sharingPrimaryWith slot: Int) -> [Int]? {
        let index = owners[slot]
        guard index >= 0 else { return nil }
        return owners.indices.filter { owners[$0] == index }
    }

    /// How many slots have a primary (16,384 in a healthy cluster).
    public var coveredSlots: Int { owners.lazy.filter { $0 >= 0 }.count }

    /// Records that `slot` moved to `node` (a MOVED redirection), before the next
    /// refresh confirms it.
    public mutating func move(_ slot: Int, to node: Node) {
        let index = primaries.firstIndex { $0.host == node.host && $0.port == node.port } ?? primaries.count
        if index == primaries.count { primaries.append(node) }
        owners[slot] = Int16(index)
    }

    /// A flat `[key, value, key, value, …]` reply as a dictionary.
    private static func fields(_ reply: RedisReply) throws(RedisError) -> [String: RedisReply] {
        guard let flat = reply.array, flat.count % 2 == 0 else { throw malformed("a map that is not key-value pairs") }
        var fields: [String: RedisReply] = [:]
        for index in stride(from: 0, to: flat.count, by: 2) {
            guard let key = flat[index].string else { throw malformed("a map key that is not a string") }
            fields[key] = flat[index + 1]
        }
        return fields
    }

    private static func malformed(_ what: String) -> RedisError {
        RedisError(.unexpectedReply, context: "CLUSTER SHARDS: \(what)")
    }
}
