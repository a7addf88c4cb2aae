import Foundation
import ReceiptCore
import TestSupport
import Testing

/// A fuzz test of the decoder: mutations and splices of every proto-json example,
/// random bytes, deep nesting, long strings and every escape. Every input is either
/// decoded into an event that keeps the decoder's promises or refused with one of
/// the pinned codes and a reason; nothing crashes, and the same input always gets
/// the same answer.
///
/// CI runs `RECEIPTD_FUZZ_ITERATIONS` (default 20,000) inputs per generator with
/// seed `RECEIPTD_FUZZ_SEED` (default fixed). A longer run, with a seed of its own:
///
///     RECEIPTD_FUZZ_ITERATIONS=200000 RECEIPTD_FUZZ_SEED=$RANDOM \
///         swift test --filter EventDecoderFuzzTests
@Suite("Decoder fuzz")
struct EventDecoderFuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let iterations = Int(environment["RECEIPTD_FUZZ_ITERATIONS"] ?? "") ?? 20_000
    static let seed = UInt64(environment["RECEIPTD_FUZZ_SEED"] ?? "") ?? 0x5EED_2026_1207

    static func examples() throws -> [[UInt8]] {
        try ProtoJSON.validEventExampleNames().map(ProtoJSON.validEventExample)
            + ProtoJSON.invalidEventExampleNames().map { try ProtoJSON.invalidEventExample($0).record }
    }

    /// Bytes that matter to a JSON reader, to UTF-8 and to the ID rule.
    static let interesting: [UInt8] = Array(#"{}[]",:\-+0123456789eE.tfnu "#.utf8)
        + [0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

    /// Escapes, valid and not: every short form, control characters, surrogates
    /// paired and lone, and U+0085 (a C1 control an ID may not hold).
    static let escapes = [#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u0000"#, #"\u001f"#,
                          #"\u0041"#, #"\u00e9"#, #"\u0085"#, #"\ud83d\ude00"#, #"\ud83d"#, #"\ude00"#, #"\u12"#,
                          #"\x41"#, #"\"#, #"\uD800\u0041"#]

    /// Checks one input against the decoder's promises; returns the verdict's code
    /// ("ok" when decoded).
    @discardableResult
    static func check(_ bytes: [UInt8], _ decoder: EventDecoder = EventDecoder()) -> String {
        let first = decoder.decode(bytes)
        #expect(first == decoder.decode(bytes), "the same input gets the same answer")
        switch first {
        case .failure(let rejection):
            #expect(!rejection.reason.isEmpty)
            return rejection.code.rawValue
        case .success(let event):
            var ids = [event.eventID, event.userID, event.conversationID]
            if let peer = event.peerUserID { ids.append(peer) }
            if case .newMessage(let clientMsgID) = event.body { ids.append(clientMsgID) }
            for id in ids {
                #expect(IDRule.problem(with: id, maxBytes: decoder.configuration.maxIDBytes) == nil,
                        "accepted an ID the rule refuses: \(Array(id.utf8))")
            }
            switch event.body {
            case .markMessagesAsRead(let seqs), .markConversationAsRead(_, let seqs), .messageDelivered(let seqs, _):
                #expect(seqs.allSatisfy { $0 > 0 } && seqs.count <= decoder.configuration.maxSeqs)
            default: break
            }
            #expect((try? JSONDocument.parse(bytes)) != nil, "accepted, but not JSON")
            return "ok"
        }
    }

    @Test("mutated and spliced proto-json examples are decoded or refused with a code, never a crash")
    func mutatedExamples() throws {
        let examples = try Self.examples()
        try #require(examples.count > 10)
        var rng = SplitMix64(seed: Self.seed)
        var verdicts: [String: Int] = [:]
        for _ in 0..<Self.iterations {
            var bytes = examples[Int(rng.next(below: UInt64(examples.count)))]
            for _ in 0..<(1 + Int(rng.next(below: 4))) {
                let at = bytes.isEmpty ? 0 : Int(rng.next(below: UInt64(bytes.count)))
                switch rng.next(below: 6) {
                case 0 where !bytes.isEmpty: bytes[at] = Self.interesting[Int(rng.next(below: UInt64(Self.interesting.count)))]
                case 1 where !bytes.isEmpty: bytes.remove(at: at)
                case 2: bytes.insert(Self.interesting[Int(rng.next(below: UInt64(Self.interesting.count)))], at: at)
                case 3:
                    let escape = Self.escapes[Int(rng.next(below: UInt64(Self.escapes.count)))]
                    bytes.insert(contentsOf: escape.utf8, at: at)
                case 4:  // splice: the head of this one, the tail of another
                    let other = examples[Int(rng.next(below: UInt64(examples.count)))]
                    bytes = Array(bytes[..<at]) + other[Int(rng.next(below: UInt64(max(1, other.count))))...]
                default:
                    bytes = Array(bytes[..<at])  // truncated
                }
            }
            verdicts[Self.check(bytes), default: 0] += 1
        }
        #expect(verdicts["ok", default: 0] > 0 && verdicts["malformed_json", default: 0] > 0,
                "the mutations reach both sides: \(verdicts)")
        #expect(verdicts.count >= 4, "and several codes: \(verdicts)")
    }

    @Test("random bytes are refused with a code")
    func randomBytes() {
        var rng = SplitMix64(seed: Self.seed ^ 0xB17E5)
        for _ in 0..<Self.iterations {
            let count = Int(rng.next(below: 300))
            let bytes = (0..<count).map { _ in
                rng.chance(1, in: 2) ? UInt8(truncatingIfNeeded: rng.next())
                    : Self.interesting[Int(rng.next(below: UInt64(Self.interesting.count)))]
            }
            #expect(Self.check(bytes) != "ok" || count > 40)
        }
    }

    @Test("nesting 100,000 deep, in objects, arrays and unknown fields, is refused without exhausting the stack")
    func deepNesting() {
        let depth = 100_000
        for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
            let nested = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
            #expect(Self.check(Array(nested.utf8)) == "malformed_json")
            let inField = #"{"eventID":"e","unknown":"# + nested + "}"
            #expect(Self.check(Array(inField.utf8)) != "ok")
        }
    }

    @Test("long strings and long arrays: an ID over the byte limit is invalid_field, a seqs list over the limit too_many_seqs")
    func longStringsAndArrays() {
        let long = String(repeating: "x", count: 1 << 20)
        let newMsg = #"{"eventID":"e1","type":"newMsg","userID":"u","conversationID":"sg_c","sessionType":2,"clientMsgID":"#
        #expect(Self.check(Array((newMsg + "\"" + long + "\"}").utf8)) == "invalid_field")
        let escaped = String(repeating: #"\u00e9"#, count: 200)  // 1,200 bytes of text, 400 bytes decoded
        #expect(Self.check(Array((newMsg + "\"" + escaped + "\"}").utf8)) == "invalid_field")
        #expect(Self.check(Array((newMsg + "\"" + String(repeating: #"\u00e9"#, count: 100) + "\"}").utf8)) == "ok")
        let seqs = (1...100_000).map(String.init).joined(separator: ",")
        let read = #"{"eventID":"e2","type":"markMsgsAsRead","userID":"u","conversationID":"sg_c","sessionType":2,"seqs":["#
        #expect(Self.check(Array((read + seqs + "]}").utf8)) == "too_many_seqs")
        #expect(Self.check(Array((read + "]}").utf8)) == "empty_seqs")
    }

    @Test("every escape in every ID field: decoded IDs keep the rule, refused ones say invalid_field or malformed_json")
    func escapesInEveryID() {
        let fields = ["eventID", "userID", "conversationID", "clientMsgID", "peerUserID"]
        for field in fields {
            for escape in Self.escapes {
                var object: [String: String] = ["eventID": "e", "userID": "u", "conversationID": "si_u_p",
                                                "clientMsgID": "m", "peerUserID": "p"]
                object[field] = "a" + escape + "b"
                let members = object.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",")
                let bytes = Array(#"{"type":"newMsg","sessionType":1,"#.utf8) + Array(members.utf8) + [UInt8(ascii: "}")]
                let verdict = Self.check(bytes)
                #expect(["ok", "invalid_field", "malformed_json"].contains(verdict), "\(field) \(escape): \(verdict)")
            }
        }
    }
}
