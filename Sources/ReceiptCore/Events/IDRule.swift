/// What an ID (`eventID`, `userID`, `conversationID`, `clientMsgID`, `peerUserID`,
/// and the IDs of the query API) may be: a non-empty string of valid UTF-8 (the JSON
/// reader already refuses anything else), at most a limit of bytes, with no control
/// character (U+0000–U+001F, U+007F–U+009F). PostgreSQL cannot store U+0000, and no
/// gateway means a control character in an ID.
///
/// IDs are otherwise taken as the bytes they are: receiptd never normalizes them,
/// and two IDs that differ in bytes are two IDs, as they are to Kafka, Redis,
/// PostgreSQL and the gateways.
public enum IDRule {
    /// Why `id` is not an ID, as the end of a sentence that begins with its name
    /// ("field `userID` …"); nil when it is one.
    public static func problem(with id: String, maxBytes: Int) -> String? {
        var count = 0
        var previous: UInt8 = 0
        for byte in id.utf8 {
            count += 1
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte <= 0x9F) {
                // U+0080–U+009F are C2 80–C2 9F: the scalar is the second byte.
                return "contains the control character U+\(hex4(UInt32(byte))); IDs may not contain control characters"
            }
            previous = byte
        }
        if count == 0 { return "must not be empty" }
        if count > maxBytes { return "is \(count) bytes long, more than the limit of \(maxBytes)" }
        return nil
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
