import Hummingbird
import ReceiptRedis
import Testing

@testable import ReceiptHTTP

/// When Redis does not hold a conversation, the answer comes from PostgreSQL: state
/// first served from Redis, then deleted there and seeded in PostgreSQL, is read back
/// from PostgreSQL.
@Suite struct PostgresFallbackTests {
    @Test func readStateFallsBackPerConversation() async throws {
        try await withStores { stores in
            let (hot, cold, user) = (uniqueID("hot"), uniqueID("cold"), uniqueID("u"))
            try await stores.redis([.set("rcpt:{\(hot)}:seq", "5"), zadd("rcpt:{\(hot)}:read", [user: 3])])
            try await stores.sql("""
                INSERT INTO conversation_seq VALUES ('\(cold)', 9);
                INSERT INTO read_state (conversation_id, user_id, has_read_seq) VALUES ('\(cold)', '\(user)', 4), ('\(cold)', 'x', 9);
                """)
            try await withServer(reader: stores.reader()) { client async throws in
                let uri = "/v1/users/\(user)/read-state?conversationIDs=\(hot),\(cold)"
                var seqs = try #require(try await get(client, uri).json["seqs"] as? [String: Any])
                #expect(int64s(seqs[hot]) == ["hasReadSeq": 3, "maxSeq": 5, "unread": 2])
                #expect(int64s(seqs[cold]) == ["hasReadSeq": 4, "maxSeq": 9, "unread": 5])

                // Evicted from Redis, flushed to PostgreSQL: now read from PostgreSQL.
                try await stores.redis([.del(["rcpt:{\(hot)}:seq", "rcpt:{\(hot)}:read"])])
                try await stores.sql("""
                    INSERT INTO conversation_seq VALUES ('\(hot)', 6);
                    INSERT INTO read_state (conversation_id, user_id, has_read_seq) VALUES ('\(hot)', '\(user)', 6);
                    """)
                seqs = try #require(try await get(client, uri).json["seqs"] as? [String: Any])
                #expect(int64s(seqs[hot]) == ["hasReadSeq": 6, "maxSeq": 6, "unread": 0])
            }
        }
    }

    @Test func seqFallsBackToPostgres() async throws {
        try await withStores { stores in
            let conversation = uniqueID("c")
            try await stores.redis([.set("rcpt:{\(conversation)}:seq", "12")])
            try await withServer(reader: stores.reader()) { client async throws in
                let uri = "/v1/conversations/\(conversation)/seq"
                #expect(try await int64s(get(client, uri).json)["maxSeq"] == 12)
                try await stores.redis([.del("rcpt:{\(conversation)}:seq")])
                try await stores.sql("INSERT INTO conversation_seq VALUES ('\(conversation)', 10)")
                #expect(try await int64s(get(client, uri).json)["maxSeq"] == 10)
            }
        }
    }

    @Test func readCountFallsBackWhenTheWatermarkSetIsMissing() async throws {
        try await withStores { stores in
            let conversation = uniqueID("c")
            try await stores.redis([zadd("rcpt:{\(conversation)}:read", ["u1": 7])])
            try await withServer(reader: stores.reader()) { client async throws in
                let uri = "/v1/conversations/\(conversation)/messages/6/read-count"
                #expect(try await int64s(get(client, uri).json)["readCount"] == 1)
                try await stores.redis([.del("rcpt:{\(conversation)}:read")])
                try await stores.sql("""
                    INSERT INTO read_state (conversation_id, user_id, has_read_seq)
                    VALUES ('\(conversation)', 'u1', 3), ('\(conversation)', 'u2', 6), ('\(conversation)', 'u3', 8)
                    """)
                #expect(try await int64s(get(client, uri).json)["readCount"] == 2)
            }
        }
    }

    @Test func unackedFallsBackToDeliveryState() async throws {
        try await withStores { stores in
            let (conversation, user) = (uniqueID("c"), uniqueID("u"))
            try await stores.sql("""
                INSERT INTO conversation_seq VALUES ('\(conversation)', 10);
                INSERT INTO delivery_state (conversation_id, user_id, delivered_seq, delivered_seqs)
                VALUES ('\(conversation)', '\(user)', 3, '{5,6,9}');
                """)
            try await withServer(reader: stores.reader()) { client async throws in
                let response = try await get(client, "/v1/users/\(user)/conversations/\(conversation)/unacked")
                #expect(response.status == .ok)
                #expect(int64s(response.json)["deliveredSeq"] == 3)
                #expect(int64s(response.json)["maxSeq"] == 10)
                #expect(int64Ranges(response.json["unackedRanges"]) == [[4, 4], [7, 8], [10, 10]])
                let stranger = try await get(client, "/v1/users/\(uniqueID("u"))/conversations/\(conversation)/unacked")
                #expect(int64Ranges(stranger.json["unackedRanges"]) == [[1, 10]])
            }
        }
    }

    @Test func anUnreachablePostgresIsA503NamingIt() async throws {
        try await withStores { stores in
            let reader = StateReader(redis: stores.redisEndpoint, postgresURL: "postgresql://postgres@127.0.0.1:1/receiptd",
                                     acknowledgedBy: nil, logger: .init(label: "test"))
            try await withServer(reader: reader) { client async throws in
                let response = try await get(client, "/v1/conversations/\(uniqueID("c"))/seq")
                #expect(response.status == .serviceUnavailable)
                #expect(response.json["dependency"] as? String == "postgres")
            }
        }
    }
}
