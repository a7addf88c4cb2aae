import Hummingbird
import ReceiptRedis
import Testing

@testable import ReceiptHTTP

/// The query routes against a real Redis: state seeded under the key schema (spelled
/// out here, so a drift of `RedisKeySchema` fails), read back through `StateReader`.
@Suite struct RedisQueryTests {
    @Test func readStateComesFromRedisSeqAndReadWatermarks() async throws {
        try await withStores { stores in
            let (a, b, unknown, user) = (uniqueID("a"), uniqueID("b"), uniqueID("none"), uniqueID("u"))
            try await stores.redis([
                .set("rcpt:{\(a)}:seq", "5"), zadd("rcpt:{\(a)}:read", [user: 3, "someone-else": 5]),
                .set("rcpt:{\(b)}:seq", "7"),
            ])
            // PostgreSQL disagrees on purpose: Redis must win for conversations it holds.
            try await stores.sql("INSERT INTO conversation_seq VALUES ('\(a)', 1), ('\(b)', 1)")
            try await withServer(reader: stores.reader()) { client async throws in
                let response = try await get(client, "/v1/users/\(user)/read-state?conversationIDs=\(a),\(b),\(unknown)")
                #expect(response.status == .ok)
                let seqs = try #require(response.json["seqs"] as? [String: Any])
                #expect(int64s(seqs[a]) == ["hasReadSeq": 3, "maxSeq": 5, "unread": 2])
                #expect(int64s(seqs[b]) == ["hasReadSeq": 0, "maxSeq": 7, "unread": 7])
                #expect(int64s(seqs[unknown]) == ["hasReadSeq": 0, "maxSeq": 0, "unread": 0])
            }
        }
    }

    @Test func seqComesFromRedis() async throws {
        try await withStores { stores in
            let conversation = uniqueID("c")
            try await stores.redis([.set("rcpt:{\(conversation)}:seq", "12")])
            try await withServer(reader: stores.reader()) { client async throws in
                let response = try await get(client, "/v1/conversations/\(conversation)/seq")
                #expect(response.status == .ok)
                #expect(response.json["conversationID"] as? String == conversation)
                #expect(int64s(response.json)["maxSeq"] == 12)
                #expect(try await int64s(get(client, "/v1/conversations/\(uniqueID("none"))/seq").json)["maxSeq"] == 0)
            }
        }
    }

    @Test func readCountCountsWatermarksAtOrAboveTheSeq() async throws {
        try await withStores { stores in
            let conversation = uniqueID("c")
            try await stores.redis([zadd("rcpt:{\(conversation)}:read", ["u1": 2, "u2": 5, "u3": 9])])
            try await withServer(reader: stores.reader()) { client async throws in
                for (seq, expected) in [(1, 3), (5, 2), (9, 1), (10, 0)] as [(Int64, Int64)] {
                    let response = try await get(client, "/v1/conversations/\(conversation)/messages/\(seq)/read-count")
                    #expect(response.status == .ok)
                    #expect(int64s(response.json) == ["seq": seq, "readCount": expected])
                }
            }
        }
    }

    @Test func unackedComesFromTheDeliveryWatermarkAndAckedSet() async throws {
        try await withStores { stores in
            let (conversation, user) = (uniqueID("c"), uniqueID("u"))
            try await stores.redis([
                .set("rcpt:{\(conversation)}:seq", "10"),
                zadd("rcpt:{\(conversation)}:dlv", [user: 3, "other": 10]),
                zadd("rcpt:{\(conversation)}:dx:\(user)", ["5": 5, "6": 6, "9": 9]),
            ])
            try await withServer(reader: stores.reader()) { client async throws in
                let response = try await get(client, "/v1/users/\(user)/conversations/\(conversation)/unacked")
                #expect(response.status == .ok)
                #expect(int64s(response.json)["deliveredSeq"] == 3)
                #expect(int64s(response.json)["maxSeq"] == 10)
                #expect(int64Array(response.json["unacked"]) == [4, 7, 8, 10])
                #expect(int64Ranges(response.json["unackedRanges"]) == [[4, 4], [7, 8], [10, 10]])
                #expect(response.json["truncated"] as? Bool == false)
            }
        }
    }

    @Test func anUnreachableRedisIsA503NamingIt() async throws {
        try await withStores { stores in
            let reader = StateReader(redis: RedisEndpoint(host: "127.0.0.1", port: 1), postgresURL: stores.postgresURL,
                                     redisTimeoutMs: 500, acknowledgedBy: nil, logger: .init(label: "test"))
            try await withServer(reader: reader) { client async throws in
                let response = try await get(client, "/v1/conversations/c1/seq")
                #expect(response.status == .serviceUnavailable)
                #expect(response.json["error"] as? String == "unavailable")
                #expect(response.json["dependency"] as? String == "redis")
            }
        }
    }
}
