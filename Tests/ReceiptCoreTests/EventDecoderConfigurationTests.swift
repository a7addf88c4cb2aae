import ReceiptCore
import Testing

/// `EventDecoder.Configuration` limits, with their documented defaults.
@Suite struct EventDecoderConfigurationTests {
    @Test func defaultsAreDocumentedValues() {
        let c = EventDecoder.Configuration()
        #expect(c.maxSeqs == 1000 && c.maxIDBytes == 256 && c.maxDepth == 32)
    }

    @Test func maxSeqsIsConfigurable() {
        let decoder = EventDecoder(configuration: .init(maxSeqs: 2))
        #expect(throws: Never.self) { try decoder.decode(event("markMsgsAsRead", commonGroup, #""seqs":[1,2]"#)).get() }
        #expect(throws: Rejection(.tooManySeqs, "field `seqs` has 3 elements, more than the limit of 2")) {
            try decoder.decode(event("markMsgsAsRead", commonGroup, #""seqs":[1,2,3]"#)).get()
        }
    }

    @Test func maxIDBytesCountsUTF8Bytes() {
        let decoder = EventDecoder(configuration: .init(maxIDBytes: 4))
        // "éé" is 2 characters but 4 bytes: at the limit. "ééé" is 6 bytes: over it.
        #expect(throws: Never.self) { try decoder.decode(event("newMsg", commonGroup, #""clientMsgID":"éé""#)).get() }
        #expect(throws: Rejection(.invalidField, "field `clientMsgID` is 6 bytes long, more than the limit of 4")) {
            try decoder.decode(event("newMsg", commonGroup, #""clientMsgID":"ééé""#)).get()
        }
        let long = String(repeating: "x", count: 257)
        #expect(EventDecoder().decode(event("newMsg", commonGroup, #""clientMsgID":"\#(long)""#)) == .failure(
            Rejection(.invalidField, "field `clientMsgID` is 257 bytes long, more than the limit of 256")))
    }

    @Test func maxDepthIsConfigurable() {
        let decoder = EventDecoder(configuration: .init(maxDepth: 2))
        #expect(throws: Never.self) { try decoder.decode(event("newMsg", commonGroup, #""clientMsgID":"c","x":[1]"#)).get() }
        #expect(throws: Rejection.self) { try decoder.decode(event("newMsg", commonGroup, #""clientMsgID":"c","x":[[1]]"#)).get() }
    }
}
