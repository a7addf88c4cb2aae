@testable import ReceiptRedis
import Testing

@Suite struct RESPEncodingTests {
    private func resp(_ command: RedisCommand) -> String {
        String(decoding: command.encoded, as: UTF8.self)
    }

    @Test func rawArgumentsBecomeAnArrayOfBulkStrings() {
        #expect(resp(RedisCommand(["SET", "k", "v"])) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
    }

    @Test func bulkLengthCountsUTF8BytesNotCharacters() {
        #expect(resp(RedisCommand(["GET", "é🙂"])) == "*2\r\n$3\r\nGET\r\n$6\r\né🙂\r\n")
    }

    @Test func emptyArgumentAndCRLFInsideAValueAreSentAsIs() {
        #expect(resp(RedisCommand(["SET", "", "a\r\nb"])) == "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\na\r\nb\r\n")
    }

    @Test func anArgumentJoinedFromPartsIsOneBulkStringOfAllTheirBytes() {
        let command = RedisCommand("GET", argumentCount: 1) { $0.append("rcpt:{", "é1", "}:seq") }
        #expect(resp(command) == "*2\r\n$3\r\nGET\r\n$14\r\nrcpt:{é1}:seq\r\n")
    }

    @Test func integersAreEncodedInDecimalIncludingExtremes() {
        #expect(resp(.incrBy("k", -42)) == "*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$3\r\n-42\r\n")
        #expect(resp(.incrBy("k", 0)) == "*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$1\r\n0\r\n")
        #expect(resp(.incrBy("k", .min)).hasSuffix("$20\r\n-9223372036854775808\r\n"))
        #expect(resp(.incrBy("k", .max)).hasSuffix("$19\r\n9223372036854775807\r\n"))
    }

    @Test func setOptionsFollowKeyAndValue() {
        #expect(resp(.set("k", "v", ifAbsent: true, expireSeconds: 30))
            == "*6\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n$2\r\nEX\r\n$2\r\n30\r\n")
    }

    @Test func zaddFlagsPrecedeScoreMemberPairs() {
        #expect(resp(.zadd("z", greaterThan: true, changed: true, [(score: 7, member: "a"), (score: -1, member: "b")]))
            == "*8\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$2\r\nCH\r\n$1\r\n7\r\n$1\r\na\r\n$2\r\n-1\r\n$1\r\nb\r\n")
    }

    @Test func scoreBoundsUseRedisRangeSyntax() {
        #expect(resp(.zcount("z", min: .exclusive(5), max: .positiveInfinity))
            == "*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$2\r\n(5\r\n$4\r\n+inf\r\n")
        #expect(resp(.zremRangeByScore("z", min: .negativeInfinity, max: 12)).hasSuffix("$4\r\n-inf\r\n$2\r\n12\r\n"))
    }

    @Test func evalshaSendsShaThenKeyCountKeysAndArgs() {
        let script = RedisScript("return 1")
        #expect(resp(.evalsha(script, keys: ["k1", "k2"], args: ["a"]))
            == "*6\r\n$7\r\nEVALSHA\r\n$40\r\n\(script.sha1)\r\n$1\r\n2\r\n$2\r\nk1\r\n$2\r\nk2\r\n$1\r\na\r\n")
    }
}
