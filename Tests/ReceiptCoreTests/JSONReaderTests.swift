@testable import ReceiptCore
@testable import TestSupport
import Testing

/// Edge cases of the strict JSON reader, through `JSONValue.parse`.
@Suite struct JSONReaderTests {
    func parse(_ text: String, maxDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    func isRejected(_ bytes: [UInt8]) -> Bool {
        (try? JSONValue.parse(bytes)) == nil
    }

    @Test func everySimpleEscapeDecodes() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{8} \u{C} \n \r \t"))
    }

    @Test func unicodeEscapesDecodeIncludingSurrogatePairs() throws {
        #expect(try parse(#""\u0041\u00e9\u4E2D\ud83d\ude00\u0000""#) == .string("Aé中😀\u{0}"))
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800\n""#, #""\u12""#, #""\u12G4""#, #""\x41""#, #""\'""#])
    func badEscapesAreRejected(text: String) {
        #expect(isRejected(Array(text.utf8)))
    }

    @Test func rawControlCharactersInStringsAreRejected() {
        #expect(isRejected([0x22, 0x61, 0x0A, 0x22]))
        #expect(isRejected([0x22, 0x00, 0x22]))
        #expect(!isRejected([0x22, 0x7F, 0x22]))  // DEL is not a control character in JSON
    }

    @Test func validMultiByteUTF8IsAccepted() throws {
        #expect(try parse("\"é中😀\u{10FFFF}\"") == .string("é中😀\u{10FFFF}"))
    }

    @Test(arguments: [
        [0xFF], [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
        [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE4, 0xB8], [0xC3],
    ] as [[UInt8]])
    func invalidUTF8IsRejected(sequence: [UInt8]) {
        #expect(isRejected([0x22] + sequence + [0x22]))
    }

    @Test func nonASCIIOutsideStringsAndByteOrderMarkAreRejected() {
        #expect(isRejected(Array("[1,é]".utf8)))
        #expect(isRejected([0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
    }

    @Test func nestingUpToTheLimitIsAcceptedAndBeyondIsRejected() throws {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        _ = try parse(ok, maxDepth: 32)
        #expect(throws: JSONSyntaxError.self) { try parse("[" + ok + "]", maxDepth: 32) }
        let deep = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
    }

    @Test func int64BoundsReadExactly() throws {
        #expect(try parse("9223372036854775807") == .number(.integer(.max)))
        #expect(try parse("-9223372036854775808") == .number(.integer(.min)))
        #expect(try parse("9223372036854775808") == .number(.integerOutOfRange))
        #expect(try parse("-9223372036854775809") == .number(.integerOutOfRange))
        #expect(try parse("123456789012345678901234567890") == .number(.integerOutOfRange))
    }

    @Test func negativeZeroIsZeroAndFractionsOrExponentsAreNotIntegers() throws {
        #expect(try parse("-0") == .number(.integer(0)))
        for text in ["1.0", "-0.0", "1e2", "1E+2", "1e-2", "0.5"] {
            #expect(try parse(text) == .number(.nonInteger), "\(text)")
        }
    }

    @Test(arguments: ["01", "-01", "00", "+1", "-", "1.", ".5", "1e", "1e+", "0x10", "NaN", "Infinity", "1_000"])
    func malformedNumbersAreRejected(text: String) {
        #expect(isRejected(Array(text.utf8)))
    }

    @Test func allFourWhitespaceBytesAreSkippedAndNoOthers() throws {
        #expect(try parse(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n} \t\r\n") == .object(["a": .array([.number(.integer(1)), .number(.integer(2))])]))
        #expect(isRejected(Array("\u{0C}{}".utf8)))  // form feed
        #expect(isRejected(Array("{}\u{A0}".utf8)))  // no-break space
    }

    @Test(arguments: ["", " ", "{", "}", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "{\"a\" 1}", "{\"a\":}", "{1:2}",
                      "tru", "nul", "True", "{} {}", "[1] x", "'a'", "\"abc", "[1 2]", "//c\n{}"])
    func structuralErrorsAreRejected(text: String) {
        #expect(isRejected(Array(text.utf8)))
    }

    @Test func literalsAndEmptyContainersParse() throws {
        #expect(try parse(#"[true,false,null,{},[],""]"#) == .array([.bool(true), .bool(false), .null, .object([:]), .array([]), .string("")]))
    }

    @Test func duplicateMemberNamesAreRejected() {
        #expect(isRejected(Array(#"{"a":1,"a":1}"#.utf8)))
        #expect(isRejected(Array(#"{"a":1,"\u0061":2}"#.utf8)))
    }

    @Test func decimalStringsFollowTheIntegerLiteralGrammar() {
        func read(_ s: String) -> JSONNumber? {
            var bytes = Array(s.utf8)
            return bytes.withUnsafeMutableBufferPointer { JSONScanner.int64(decimal: UnsafeBufferPointer($0), 0..<$0.count) }
        }
        #expect(read("0") == .integer(0))
        #expect(read("-0") == .integer(0))
        #expect(read("-9223372036854775808") == .integer(.min))
        #expect(read("9223372036854775808") == .integerOutOfRange)
        for bad in ["", "-", "+1", " 1", "1 ", "01", "1.0", "1e3", "١"] { #expect(read(bad) == nil, "\(bad)") }
    }
}
