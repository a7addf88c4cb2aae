import ReceiptRedis
import Testing

@Suite struct RedisSortedSetTests {
    @Test func zaddGreaterThanNeverLowersAScoreAndChangedCountsUpdates() throws {
        let connection = try connectToTestRedis()
        let key = uniqueKey("gt")
        func zaddGTCH(_ members: [(score: Int64, member: String)]) throws -> Int64? {
            try connection.execute(.zadd(key, greaterThan: true, changed: true, members)).int64
        }

        #expect(try zaddGTCH([(score: 5, member: "a")]) == 1)  // added
        #expect(try zaddGTCH([(score: 3, member: "a"), (score: 7, member: "b")]) == 1)  // only b
        #expect(try connection.execute(.zscore(key, "a")).int64 == 5)
        #expect(try zaddGTCH([(score: 5, member: "a")]) == 0)  // equal is no change
        #expect(try zaddGTCH([(score: 9, member: "a")]) == 1)  // raised
        #expect(try connection.execute(.zmscore(key, ["a", "b", "absent"]))
            == .array([.bulk(Array("9".utf8)), .bulk(Array("7".utf8)), .null]))
    }

    @Test func scoreRangesHonourInclusiveExclusiveAndInfiniteBounds() throws {
        let connection = try connectToTestRedis()
        let key = uniqueKey("range")
        _ = try connection.execute(.zadd(key, (1...5).map { (score: Int64($0), member: "m\($0)") }))

        let above2 = try connection.execute(.zrangeByScore(key, min: .exclusive(2), max: .positiveInfinity))
        #expect(above2.array?.compactMap(\.string) == ["m3", "m4", "m5"])
        let page = try connection.execute(.zrangeByScore(key, min: 1, max: 5, withScores: true, limit: (offset: 1, count: 2)))
        #expect(page.array?.compactMap(\.string) == ["m2", "2", "m3", "3"])
        #expect(try connection.execute(.zcount(key, min: .negativeInfinity, max: .exclusive(3))).int64 == 2)
        #expect(try connection.execute(.zremRangeByScore(key, min: .negativeInfinity, max: 2)).int64 == 2)
        #expect(try connection.execute(.zrem(key, ["m3", "absent"])).int64 == 1)
        #expect(try connection.execute(.zcount(key, min: .negativeInfinity, max: .positiveInfinity)).int64 == 2)
        _ = try connection.execute(.del(key))
    }
}
