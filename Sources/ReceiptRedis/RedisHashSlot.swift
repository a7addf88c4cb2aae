/// Redis Cluster's key → slot rule: CRC16 (XMODEM: polynomial 0x1021, initial 0) of
/// the key's hash tag, or of the whole key when it has none, modulo 16,384.
///
/// The hash tag is what lies between the first `{` and the first `}` after it, when
/// that is not empty. receiptd's conversation keys put the whole (escaped)
/// conversationID there (`RedisKeys.tag`), so one conversation's keys share a slot.
public enum RedisHashSlot {
    /// Slots in a cluster: 0 ..< 16,384.
    public static let count = 16_384

    /// The slot of `key`, as its bytes.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        let hashed = hashTag(key)
        return Int(crc16(hashed) & UInt16(count - 1))
    }

    /// The slot of `key`, as its UTF-8 bytes.
    public static func of(_ key: String) -> Int { of(Array(key.utf8)) }

    /// The bytes Redis hashes: the non-empty tag between the first `{` and the next
    /// `}`, else the whole key.
    static func hashTag<Key: Collection<UInt8>>(_ key: Key) -> Key.SubSequence {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        let start = key.index(after: open)
        guard let close = key[start...].firstIndex(of: UInt8(ascii: "}")), close != start else { return key[...] }
        return key[start..<close]
    }

    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
