/// NUL-terminated copies of several strings in one buffer, for C `const char *const *`
/// arguments such as PQexecParams' parameter values.
struct CStringArray {
    private var bytes: [UInt8] = []
    /// Where each string starts in `bytes`; nil for a nil string.
    private var offsets: [Int?] = []

    /// Nil when a string contains a NUL byte, which C would silently cut it at.
    init?(_ strings: [String?]) {
        bytes.reserveCapacity(strings.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 1 })
        offsets.reserveCapacity(strings.count)
        for string in strings {
            guard let string else {
                offsets.append(nil)
                continue
            }
            guard !string.utf8.contains(0) else { return nil }
            offsets.append(bytes.count)
            bytes.append(contentsOf: string.utf8)
            bytes.append(0)
        }
    }

    /// Calls `body` with one pointer per string, valid only during the call.
    func withPointers<R>(_ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                body(offsets.map { offset in offset.map { UnsafePointer(characters.baseAddress! + $0) } })
            }
        }
    }
}
