import ReceiptKafka

/// Produces raw event records the way a gateway does: key = conversationID.
/// Blocking: call it through `onOwnThread`.
final class EventProducer: Sendable {
    private let producer: KafkaProducer
    private let topic: String

    init(brokers: String, topic: String) throws {
        producer = try KafkaProducer.make(configuration: KafkaConfiguration(properties: [
            "bootstrap.servers": brokers, "linger.ms": "1",
        ]))
        self.topic = topic
    }

    /// Sends the records in order and waits until the broker acknowledged all.
    func send(_ records: [(key: String, value: String)]) throws {
        try send(records.map { (key: $0.key, value: Array($0.value.utf8)) })
    }

    func send(_ records: [(key: String, value: [UInt8])]) throws {
        try send(keyed: records.map { (key: Array($0.key.utf8), value: $0.value) })
    }

    /// One record with no key at all, as a gateway bug would send it.
    func sendWithoutKey(_ value: [UInt8]) throws {
        try send(keyed: [(key: nil, value: value)])
    }

    private func send(keyed records: [(key: [UInt8]?, value: [UInt8])]) throws {
        for (index, record) in records.enumerated() {
            try producer.send(
                OutgoingRecord(topic: topic, key: record.key, value: record.value, headers: []),
                ticket: UInt64(index + 1))
        }
        try producer.flush(timeoutMs: 30_000)
        var acknowledged = 0
        while acknowledged < records.count {
            let reports = producer.pollDeliveries(timeoutMs: 100)
            if let failed = reports.first(where: { $0.error != nil }), let error = failed.error { throw error }
            acknowledged += reports.count
        }
    }
}

/// Event JSON as gateways write it.
enum Events {
    static func newMsg(_ id: String, from user: String, in cid: String, clientMsgID: String,
                       session: Int = 1, peer: String? = nil) -> (key: String, value: String) {
        let peerField = peer.map { #","peerUserID":"\#($0)""# } ?? ""
        return (cid, #"{"eventID":"\#(id)","type":"newMsg","userID":"\#(user)","conversationID":"\#(cid)","sessionType":\#(session),"clientMsgID":"\#(clientMsgID)"\#(peerField)}"#)
    }

    static func markConversationAsRead(_ id: String, by user: String, in cid: String, hasReadSeq: Int64,
                                       session: Int = 1, peer: String? = nil,
                                       isPrivate: Bool = false) -> (key: String, value: String) {
        let peerField = peer.map { #","peerUserID":"\#($0)""# } ?? ""
        let privateField = isPrivate ? #","private":true"# : ""
        return (cid, #"{"eventID":"\#(id)","type":"markConversationAsRead","userID":"\#(user)","conversationID":"\#(cid)","sessionType":\#(session),"hasReadSeq":"\#(hasReadSeq)"\#(peerField)\#(privateField)}"#)
    }

    static func setConversationHasReadSeq(_ id: String, by user: String, in cid: String, hasReadSeq: Int64,
                                          session: Int = 1, peer: String? = nil) -> (key: String, value: String) {
        let peerField = peer.map { #","peerUserID":"\#($0)""# } ?? ""
        return (cid, #"{"eventID":"\#(id)","type":"setConversationHasReadSeq","userID":"\#(user)","conversationID":"\#(cid)","sessionType":\#(session),"hasReadSeq":\#(hasReadSeq)\#(peerField)}"#)
    }

    static func markMsgsAsRead(_ id: String, by user: String, in cid: String, seqs: [Int64],
                               session: Int = 1, peer: String? = nil) -> (key: String, value: String) {
        let peerField = peer.map { #","peerUserID":"\#($0)""# } ?? ""
        let list = seqs.map(String.init).joined(separator: ",")
        return (cid, #"{"eventID":"\#(id)","type":"markMsgsAsRead","userID":"\#(user)","conversationID":"\#(cid)","sessionType":\#(session),"seqs":[\#(list)]\#(peerField)}"#)
    }
}
