extension Migrations {
    /// Version 3: a client message is its sender's. `client_msg_ids` holds each
    /// message as receiptd stores it, the senderID, U+001F, the clientMsgID
    /// (`ClientMessage.storedID`); rows written before hold the clientMsgID alone.
    /// The view `client_message` splits them for reading: `sender_id` is NULL for the
    /// older rows.
    static let schemaV3 = """
        DROP VIEW client_message;

        CREATE VIEW client_message AS
        SELECT b.conversation_id,
               CASE WHEN strpos(m.stored_id, chr(31)) > 0
                    THEN substr(m.stored_id, 1, strpos(m.stored_id, chr(31)) - 1) END AS sender_id,
               CASE WHEN strpos(m.stored_id, chr(31)) > 0
                    THEN substr(m.stored_id, strpos(m.stored_id, chr(31)) + 1) ELSE m.stored_id END AS client_msg_id,
               m.seq, b.created_at
        FROM client_message_batch AS b, unnest(b.client_msg_ids, b.seqs) AS m(stored_id, seq);
        """
}
