import ReceiptCore

/// The query API's reads of PostgreSQL: the one path for a conversation that Redis
/// does not hold (ReceiptHTTP asks Redis first).
///
/// PostgreSQL trails Redis by up to one flush interval: answers are consistent with
/// some recent flush, never ahead of Redis. Each answer means what the Redis read
/// means, so the two never disagree on a definition.
public enum StateQueries {
    /// The user's own read position: the higher of their public and private
    /// watermarks, and the marks above it.
    static let readStates = """
        SELECT conversation_id, own AS has_read_seq, max_seq,
               (SELECT count(*) FROM unnest(read_seqs) AS m WHERE m > own AND m <= max_seq) AS read_above
        FROM (
            SELECT c.conversation_id, coalesce(s.max_seq, 0) AS max_seq, r.read_seqs,
                   GREATEST(coalesce(r.has_read_seq, 0), coalesce(p.has_read_seq, 0)) AS own
            FROM (SELECT DISTINCT unnest($2::text[]) AS conversation_id) AS c
            LEFT JOIN conversation_seq AS s ON s.conversation_id = c.conversation_id
            LEFT JOIN read_state AS r ON r.conversation_id = c.conversation_id AND r.user_id = $1
            LEFT JOIN private_read_state AS p ON p.conversation_id = c.conversation_id AND p.user_id = $1
            WHERE s.conversation_id IS NOT NULL OR r.conversation_id IS NOT NULL OR p.conversation_id IS NOT NULL
        ) AS found
        """

    static let selectMaxSeq = """
        SELECT max_seq FROM conversation_seq WHERE conversation_id = $1
        """

    static let countReaders = """
        SELECT count(*) AS readers FROM read_state
        WHERE conversation_id = $1 AND (has_read_seq >= $2::bigint OR $2::bigint = ANY(read_seqs))
        """

    /// Both parts of a readers listing, each from its cursor, in the order Redis
    /// lists them ($3: the cursor is past the watermark part).
    static let selectReaders = """
        SELECT user_id, has_read_seq, marked FROM (
            (SELECT user_id, has_read_seq, false AS marked FROM read_state
             WHERE conversation_id = $1 AND has_read_seq >= $2::bigint AND NOT $3::boolean
               AND (has_read_seq, user_id COLLATE "C") > ($4::bigint, $5::text COLLATE "C")
             ORDER BY has_read_seq, user_id COLLATE "C" LIMIT $7::bigint)
            UNION ALL
            (SELECT user_id, has_read_seq, true AS marked FROM read_state
             WHERE conversation_id = $1 AND has_read_seq < $2::bigint AND $2::bigint = ANY(read_seqs)
               AND user_id COLLATE "C" > $6::text COLLATE "C"
             ORDER BY user_id COLLATE "C" LIMIT $7::bigint)
        ) AS found
        ORDER BY marked, CASE WHEN marked THEN 0 ELSE has_read_seq END, user_id COLLATE "C"
        LIMIT $7::bigint
        """

    /// The user's acks and reads (read implies delivered), each NULL when absent.
    static let selectDelivery = """
        SELECT d.delivered_seq, d.delivered_seqs, r.has_read_seq, r.read_seqs
        FROM (SELECT 1) AS one
        LEFT JOIN delivery_state AS d ON d.conversation_id = $1 AND d.user_id = $2
        LEFT JOIN read_state AS r ON r.conversation_id = $1 AND r.user_id = $2
        """

    /// conversationID → the user's own read position (the higher of their read and
    /// private read watermarks), how many seqs they read individually above it up to
    /// maxSeq (message-level read: `read_seqs`), and the
    /// conversation's maxSeq. A conversation with neither a seq row nor a read row
    /// for the user is absent; otherwise a missing value is 0.
    public static func readState(
        userID: String, conversationIDs: [String], on connection: PostgresConnection
    ) throws(PostgresError) -> [IDKey: (hasReadSeq: Int64, readAbove: Int64, maxSeq: Int64)] {
        let rows = try connection.query(readStates, [userID, PostgresArrayLiteral.text(conversationIDs)])
        var states: [IDKey: (hasReadSeq: Int64, readAbove: Int64, maxSeq: Int64)] = [:]
        for row in rows {
            states[IDKey(try row.requiredString("conversation_id"))] = (
                hasReadSeq: try row.requiredInt64("has_read_seq"), readAbove: try row.int64("read_above") ?? 0,
                maxSeq: try row.requiredInt64("max_seq"))
        }
        return states
    }

    /// The conversation's highest allocated seq; nil when it has none stored.
    public static func maxSeq(conversationID: String, on connection: PostgresConnection) throws(PostgresError) -> Int64? {
        try connection.query(selectMaxSeq, [conversationID]).first?.requiredInt64("max_seq")
    }

    /// How many members have read `seq`: their watermark is at or above it, or they
    /// read it individually (`read_seqs`), as Redis counts them (`ZCOUNT` of the
    /// watermarks plus `ZLEXCOUNT` of the read-mark index).
    public static func readCount(
        conversationID: String, seq: Int64, on connection: PostgresConnection
    ) throws(PostgresError) -> Int {
        Int(try connection.query(countReaders, [conversationID, String(seq)])[0].requiredInt64("readers"))
    }

    /// Up to `limit` members who have read `seq`, after `position`: first those whose
    /// watermark reached it, by (watermark, userID bytes), then those who read it
    /// individually, by userID bytes; the order Redis lists them in. Reads the
    /// conversation's rows (the fallback path; Redis answers in O(log N + limit)).
    public static func readers(
        conversationID: String, seq: Int64, limit: Int, after position: ReadersPosition?, on connection: PostgresConnection
    ) throws(PostgresError) -> [(userID: String, hasReadSeq: Int64, marked: Bool)] {
        let (pastWatermarks, afterWatermark, afterUser, afterMarked): (Bool, Int64, String, String) = switch position {
        case nil: (false, -1, "", "")
        case .watermark(let hasReadSeq, let userID)?: (false, hasReadSeq, userID, "")
        case .marked(let userID)?: (true, -1, "", userID)
        }
        let rows = try connection.query(selectReaders, [
            conversationID, String(seq), pastWatermarks ? "true" : "false", String(afterWatermark), afterUser,
            afterMarked, String(limit),
        ])
        var found: [(userID: String, hasReadSeq: Int64, marked: Bool)] = []
        for row in rows {
            found.append((try row.requiredString("user_id"), try row.requiredInt64("has_read_seq"),
                          try row.requiredString("marked") == "t"))
        }
        return found
    }

    /// What the user acked united with what they read (read implies delivered, as
    /// the worker counts it): the delivered watermark and the seqs above it; nil when
    /// neither is stored.
    public static func deliveryState(
        conversationID: String, userID: String, on connection: PostgresConnection
    ) throws(PostgresError) -> MarkedWatermark? {
        guard let row = try connection.query(selectDelivery, [conversationID, userID]).first else { return nil }
        let acked = try row.int64("delivered_seq").map { watermark throws(PostgresError) in
            MarkedWatermark(watermark: watermark, marks: try row.int64Array("delivered_seqs") ?? [])
        }
        let read = try row.int64("has_read_seq").map { watermark throws(PostgresError) in
            MarkedWatermark(watermark: watermark, marks: try row.int64Array("read_seqs") ?? [])
        }
        guard let first = acked ?? read else { return nil }
        return first.merged(with: read ?? first)
    }
}
