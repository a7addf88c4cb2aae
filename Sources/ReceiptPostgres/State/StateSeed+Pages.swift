import ReceiptCore

extension StateSeed {
    /// One page of every stored conversation, in conversation-ID order, for
    /// re-seeding a Redis that lost its data. Pass the `last` of one page as the
    /// `after` of the next; a page with `last == nil` is the end.
    public static func page(
        after: String?, limit: Int, clientMessagesNewerThanSeconds: Int, on connection: PostgresConnection
    ) throws -> (records: [IDKey: ConversationRecord], last: String?) {
        let rows = try connection.query(conversationPage, [after ?? "", String(limit)])
        let ids = try rows.map { try $0.requiredString("conversation_id") }
        guard let last = ids.last else { return ([:], nil) }
        let records = try load(conversations: ids, clientMessagesNewerThanSeconds: clientMessagesNewerThanSeconds,
                               on: connection)
        return (records, last)
    }

    private static let conversationPage = """
        SELECT conversation_id FROM conversation_seq
        WHERE conversation_id > $1
        ORDER BY conversation_id
        LIMIT $2::int
        """
}
