import Hummingbird
import Testing

@testable import ReceiptHTTP

/// Every 400 names the parameter; routing and shapes, with an in-memory store.
@Suite struct ParameterValidationTests {
    let reader = InMemoryState(
        readStates: ["a": ReadState(hasReadSeq: 3, maxSeq: 5)], maxSeqs: ["c 1/x": 9], readCounts: ["c1": 2])
    let long = String(repeating: "x", count: 257)

    func expectInvalid(_ uri: String, parameter: String, reasonContains: String,
                       configuration: HTTPConfiguration = HTTPConfiguration()) async throws {
        try await withServer(configuration: configuration, reader: reader) { client async throws in
            let response = try await get(client, uri)
            #expect(response.status == .badRequest, "\(uri)")
            #expect(response.json["error"] as? String == "invalid_parameter")
            #expect(response.json["parameter"] as? String == parameter)
            #expect((response.json["reason"] as? String)?.contains(reasonContains) == true, "\(response.text)")
        }
    }

    @Test(arguments: ["abc", "1.5", "+3", "9223372036854775808"])
    func aNonIntegerSeqIsRefused(seq: String) async throws {
        try await expectInvalid("/v1/conversations/c1/messages/\(seq)/read-count", parameter: "seq", reasonContains: "integer")
    }

    @Test(arguments: ["read-count", "readers"])
    func aSeqAbove2To53IsRefusedNotOverflowed(route: String) async throws {
        try await expectInvalid("/v1/conversations/c1/messages/9223372036854775807/\(route)", parameter: "seq",
                                reasonContains: "at most 9007199254740992")
    }

    @Test(arguments: ["0", "-1"])
    func aSeqBelowOneIsRefused(seq: String) async throws {
        try await expectInvalid("/v1/conversations/c1/messages/\(seq)/read-count", parameter: "seq", reasonContains: "at least 1")
    }

    @Test("an ID with a control character is a 400 naming the parameter, not a 500 from PostgreSQL",
          arguments: ["%00", "a%0Ab", "a%C2%85b", "%7F"])
    func aControlCharacterInAnIDIsRefused(id: String) async throws {
        try await expectInvalid("/v1/conversations/\(id)/seq", parameter: "conversationID", reasonContains: "control character")
        try await expectInvalid("/v1/users/\(id)/read-state?conversationIDs=c1", parameter: "userID",
                                reasonContains: "control character")
        try await expectInvalid("/v1/users/u1/read-state?conversationIDs=c1,\(id)", parameter: "conversationIDs",
                                reasonContains: "control character")
    }

    @Test func missingConversationIDsAreRefused() async throws {
        try await expectInvalid("/v1/users/u1/read-state", parameter: "conversationIDs", reasonContains: "required")
    }

    @Test(arguments: ["a,,b", "a,", ",a", ""])
    func anEmptyConversationIDIsRefused(list: String) async throws {
        try await expectInvalid("/v1/users/u1/read-state?conversationIDs=\(list)", parameter: "conversationIDs",
                                reasonContains: "empty ID")
    }

    @Test func tooManyConversationIDsAreRefusedNamingTheLimit() async throws {
        let ids = (1...101).map { "c\($0)" }.joined(separator: ",")
        try await expectInvalid("/v1/users/u1/read-state?conversationIDs=\(ids)", parameter: "conversationIDs",
                                reasonContains: "at most 100")
        try await withServer(reader: reader) { client async throws in
            #expect(try await int64s(get(client, "/v1/users/u1/read-state?conversationIDs=\(ids)").json)["limit"] == 100)
            let hundred = (1...100).map { "c\($0)" }.joined(separator: ",")
            #expect(try await get(client, "/v1/users/u1/read-state?conversationIDs=\(hundred)").status == .ok)
        }
        try await expectInvalid("/v1/users/u1/read-state?conversationIDs=a,b,c", parameter: "conversationIDs",
                                reasonContains: "at most 2", configuration: HTTPConfiguration(maxConversationIDs: 2))
    }

    @Test func idsLongerThan256BytesAreRefused() async throws {
        try await expectInvalid("/v1/users/\(long)/read-state?conversationIDs=a", parameter: "userID", reasonContains: "256 bytes")
        try await expectInvalid("/v1/users/u1/read-state?conversationIDs=a,\(long)", parameter: "conversationIDs",
                                reasonContains: "256 bytes")
        try await expectInvalid("/v1/conversations/\(long)/seq", parameter: "conversationID", reasonContains: "256 bytes")
        try await expectInvalid("/v1/users/u1/conversations/\(long)/unacked", parameter: "conversationID",
                                reasonContains: "256 bytes")
        // 256 bytes exactly is fine, counted in UTF-8 bytes, not characters.
        try await withServer(reader: reader) { client async throws in
            #expect(try await get(client, "/v1/conversations/\(String(repeating: "y", count: 256))/seq").status == .ok)
        }
        try await expectInvalid("/v1/conversations/\(String(repeating: "%C3%A9", count: 129))/seq",
                                parameter: "conversationID", reasonContains: "256 bytes")
    }

    @Test func aMalformedPercentEncodingIsRefused() async throws {
        try await expectInvalid("/v1/conversations/c%2/seq", parameter: "conversationID", reasonContains: "percent")
    }

    @Test func pathIDsArePercentDecoded() async throws {
        try await withServer(reader: reader) { client async throws in
            let response = try await get(client, "/v1/conversations/c%201%2Fx/seq")
            #expect(response.status == .ok)
            #expect(response.json["conversationID"] as? String == "c 1/x")
            #expect(int64s(response.json)["maxSeq"] == 9)
        }
    }

    @Test func anUnknownRouteIsA404WithAJSONBody() async throws {
        try await withServer(reader: reader) { client async throws in
            for uri in ["/nope", "/v1/users/u1", "/v1/conversations/c1/messages/3"] {
                let response = try await get(client, uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.json["error"] as? String == "not_found", "\(uri)")
            }
        }
    }

    @Test func readStateHasOpenIMsShapeWithZerosForUnknownConversations() async throws {
        try await withServer(reader: reader) { client async throws in
            let response = try await get(client, "/v1/users/u1/read-state?conversationIDs=a,zz,a")
            #expect(response.status == .ok)
            let seqs = try #require(response.json["seqs"] as? [String: Any])
            #expect(Set(seqs.keys) == ["a", "zz"])
            #expect(int64s(seqs["a"]) == ["hasReadSeq": 3, "maxSeq": 5, "unread": 2])
            #expect(int64s(seqs["zz"]) == ["hasReadSeq": 0, "maxSeq": 0, "unread": 0])
        }
    }

    @Test func readCountEchoesConversationAndSeq() async throws {
        try await withServer(reader: reader) { client async throws in
            let response = try await get(client, "/v1/conversations/c1/messages/7/read-count")
            #expect(response.status == .ok)
            #expect(response.json["conversationID"] as? String == "c1")
            #expect(int64s(response.json) == ["seq": 7, "readCount": 2])
        }
    }
}
