import ReceiptCore
import TestSupport
import Testing

/// Damaged records never crash the decoder, and whatever it accepts is JSON to an
/// independent reader (Foundation) too: the decoder is never more lenient than JSON.
@Suite struct EventDecoderRobustnessTests {
    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    static let interestingBytes: [UInt8] = Array(#"{}[]",:\-0123456789eE.tfnu \#t"#.utf8) + [0x00, 0x7F, 0x80, 0xC0, 0xED, 0xF4, 0xFF]

    @Test(arguments: try ProtoJSON.validEventExampleNames())
    func mutatedValidRecordsAreDecodedOrRejectedNeverCrash(name: String) throws {
        let original = try ProtoJSON.validEventExample(name)
        var rng = Xorshift(state: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }) | 1)
        let decoder = EventDecoder()
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = Self.interestingBytes.randomElement(using: &rng) ?? 0
                case 1: bytes.remove(at: i)
                default: bytes.insert(Self.interestingBytes.randomElement(using: &rng) ?? 0, at: i)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if case .success = decoder.decode(bytes) {
                #expect((try? JSONDocument.parse(bytes)) != nil, "accepted, but not JSON: \(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }
}
