/// Finds the benchmark's events in output records without decoding them: the
/// eventIDs of a notification's `sourceEventIDs`, or the `eventID` at the start of a
/// dead letter (the refused record, unchanged). Only eventIDs of the form
/// `<runTag>-<index>` count; the index is returned.
struct EventIDScanner: Sendable {
    private let prefix: [UInt8]
    private static let sourceEventIDs = Array(#""sourceEventIDs":["#.utf8)
    private static let eventID = Array(#""eventID":""#.utf8)

    init(runTag: String) {
        prefix = Array("\(runTag)-".utf8)
    }

    /// Indexes named in a notification's `sourceEventIDs`.
    func notificationSources(_ value: ArraySlice<UInt8>, _ found: (Int) -> Void) {
        value.withUnsafeBufferPointer { bytes in
            guard var i = Self.find(Self.sourceEventIDs, in: bytes) else { return }
            while i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                let start = i + 1
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
                if let index = index(bytes, start, end) { found(index) }
                i = end + 1
                guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return }
                i += 1
            }
        }
    }

    /// The index of a dead letter's `eventID`, when it is one of ours.
    func deadLetterSource(_ value: ArraySlice<UInt8>) -> Int? {
        value.withUnsafeBufferPointer { bytes in
            guard let start = Self.find(Self.eventID, in: bytes) else { return nil }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
            return index(bytes, start, end)
        }
    }

    private func index(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard end - start > prefix.count, end <= bytes.count else { return nil }
        for k in 0..<prefix.count where bytes[start + k] != prefix[k] { return nil }
        var value = 0
        for k in (start + prefix.count)..<end {
            let digit = Int(bytes[k]) - 48
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// The position just after the first occurrence of `pattern`.
    private static func find(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        var i = 0
        outer: while i <= bytes.count - pattern.count {
            for k in 0..<pattern.count where bytes[i + k] != pattern[k] {
                i += 1
                continue outer
            }
            return i + pattern.count
        }
        return nil
    }
}
