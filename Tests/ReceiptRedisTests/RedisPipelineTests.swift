import ReceiptRedis
import Testing

@Suite struct RedisPipelineTests {
    @Test func mixedPipelineReturnsOneResultPerCommandInOrderWithTheErrorInItsSlot() throws {
        let connection = try connectToTestRedis()
        let text = uniqueKey("text")
        let counter = uniqueKey("counter")
        let replies = try connection.pipeline([
            .set(text, "hello"),
            .incr(text),  // not an integer: an error reply in the middle
            .incrBy(counter, 41),
            .incr(counter),
            .get(text),
            .get(uniqueKey("missing")),
            .set(text, "again", ifAbsent: true),
            .del([text, counter]),
        ])

        #expect(replies.count == 8)
        #expect(try replies[0].get() == .status("OK"))
        #expect(throws: RedisError.self) { try replies[1].get() }
        if case .failure(let error) = replies[1] {
            #expect(error.code == .errorReply)
            #expect(error.detail?.contains("not an integer") == true)
        }
        #expect(try replies[2].get() == .integer(41))
        #expect(try replies[3].get() == .integer(42))
        #expect(try replies[4].get() == .bulk(Array("hello".utf8)))
        #expect(try replies[5].get().isNull)
        #expect(try replies[6].get().isNull)
        #expect(try replies[7].get().int64 == 2)
        #expect(!connection.isBroken)
    }

    @Test func tenThousandCommandsInOnePipelineAllAnswerInOrder() throws {
        let connection = try connectToTestRedis()
        let counter = uniqueKey("bulk-counter")
        let commands = (0..<10_000).map { i in
            i.isMultiple(of: 2) ? RedisCommand.incr(counter) : .incrBy(counter, 0)
        }
        let replies = try connection.pipeline(commands)

        #expect(replies.count == 10_000)
        let values: [Int64?] = try replies.map { try $0.get().int64 }
        let expected: [Int64?] = (0..<10_000).map { Int64($0 / 2 + 1) }
        #expect(values == expected)
        _ = try connection.execute(.del(counter))
    }

    @Test func aPipelineSentBehindAnotherSeesItsWritesAndBothAnswerInOrder() throws {
        let connection = try connectToTestRedis()
        let counter = uniqueKey("behind")
        let first = try connection.send([.incrBy(counter, 5), .incr(counter)])
        let second = try connection.send([.get(counter), .incr(counter)])
        #expect(try connection.receive(first).map { try $0.get().int64 } == [5, 6])
        #expect(try connection.receive(second).map { try $0.get() } == [.bulk(Array("6".utf8)), .integer(7)])
        #expect(try connection.execute(.del(counter)).int64 == 1)
    }

    @Test func anAbandonedConnectionRefusesTheRepliesStillInFlightAndEveryLaterCall() throws {
        let connection = try connectToTestRedis()
        let key = uniqueKey("abandoned")
        let pending = try connection.send([.set(key, "x"), .get(key)])
        connection.abandon("the write before it failed")
        #expect(connection.isBroken)
        let error = #expect(throws: RedisError.self) { try connection.receive(pending) }
        #expect(error?.code == .connectionClosed)
        #expect(throws: RedisError.self) { try connection.execute(.ping) }
        _ = try connectToTestRedis().execute(.del(key))
    }

    @Test func emptyPipelineSendsNothing() throws {
        let connection = try connectToTestRedis()
        #expect(try connection.pipeline([]).isEmpty)
        #expect(try connection.execute(.ping) == .status("PONG"))
    }

    @Test func binaryAndUnicodeValuesRoundTrip() throws {
        let connection = try connectToTestRedis()
        let key = uniqueKey("bytes")
        let value = "a\r\nb\0c é漢字🙂 $-1\r\n*2"
        _ = try connection.execute(.set(key, value, expireSeconds: 60))
        #expect(try connection.execute(.get(key)).string == value)
    }
}

/// An error reply is logged with the server's own code word, not only "error reply".
@Suite("Redis error replies")
struct RedisErrorReplyTests {
    @Test("WRONGTYPE, CROSSSLOT and MOVED are named in the description; the rest of the reply stays in detail")
    func serverCodeIsNamed() throws {
        let connection = try connectToTestRedis()
        let key = uniqueKey("wrongtype")
        _ = try connection.pipeline([.set(key, "x")])
        let reply = try connection.pipeline([.zadd(key, greaterThan: true, changed: true, [(score: 1, member: "m")])])[0]
        guard case .failure(let error) = reply else {
            Issue.record("ZADD on a string succeeded")
            return
        }
        #expect(error.description.hasPrefix("Redis error reply WRONGTYPE ("), "\(error.description)")
        #expect(error.debugDescription.contains("Operation against a key holding the wrong kind of value"))
        for (message, code) in [("CROSSSLOT Keys in request don't hash to the same slot", "CROSSSLOT"),
                                ("MOVED 3999 127.0.0.1:6381", "MOVED"), ("something odd", nil)] {
            #expect(RedisError(.errorReply, context: "EVALSHA", detail: message).serverCode == code)
        }
    }
}
