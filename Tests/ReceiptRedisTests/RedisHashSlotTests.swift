import ReceiptRedis
import Testing

/// The key → slot rule of Redis Cluster, against the values its specification gives
/// (a real cluster's `CLUSTER KEYSLOT` is compared in `RedisClusterTests`).
@Suite("Redis hash slots")
struct RedisHashSlotTests {
    @Test("CRC16-XMODEM of the specification's check string, and known slots")
    func slotsMatchTheSpecification() {
        #expect(RedisHashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisHashSlot.of("foo") == 12182)
        #expect(RedisHashSlot.of("bar") == 5061)
        #expect(RedisHashSlot.of("") == 0)
    }

    @Test("only the first non-empty {…} is hashed")
    func hashTagsFollowTheFirstBraces() {
        #expect(RedisHashSlot.of("{user1000}.following") == RedisHashSlot.of("{user1000}.followers"))
        #expect(RedisHashSlot.of("foo{bar}{zap}") == RedisHashSlot.of("bar"))
        #expect(RedisHashSlot.of("foo{{bar}}zap") == RedisHashSlot.of("{bar"))
        #expect(RedisHashSlot.of("foo{}{bar}") != RedisHashSlot.of("bar"), "an empty tag hashes the whole key")
        #expect(RedisHashSlot.of("foo{}{bar}") == Int(RedisHashSlot.crc16(Array("foo{}{bar}".utf8)) % 16384))
    }

    @Test("every key of a conversation is on the slot of its conversationID, whatever its bytes")
    func aConversationsKeysShareTheSlotOfItsID() {
        for cid in ["si_a_b", "sg_1", "x}y", "100%", "é{z}", "\u{1F600}"] {
            let slots = Set(RedisKeysTests.keys(cid, "u}1").map(RedisHashSlot.of))
            #expect(slots == [RedisHashSlot.of(RedisKeys.tag(cid))], "\(cid)")
        }
    }
}

@Suite("Redis per-slot keys")
struct RedisSlotKeysTests {
    @Test("each slot's sentinel and writer keys hash to that slot, and spell no conversation's key")
    func slotKeysLiveInTheirSlot() {
        for slot in [0, 1, 5461, 10922, 16383] + (0..<50).map({ _ in Int.random(in: 0..<RedisHashSlot.count) }) {
            #expect(RedisHashSlot.of(RedisKeys.slotSentinel(slot)) == slot)
            #expect(RedisHashSlot.of(RedisKeys.slotWriter(slot, "w1")) == slot)
            let tag = RedisKeys.slotTag(slot)
            #expect(!RedisKeysTests.keys(tag, "w1").contains(RedisKeys.slotSentinel(slot)))
            #expect(!RedisKeysTests.keys(tag, "2:w1").contains(RedisKeys.slotWriter(slot, "w1")))
        }
        #expect(Set((0..<RedisHashSlot.count).map(RedisKeys.slotTag)).count == RedisHashSlot.count)
    }
}
