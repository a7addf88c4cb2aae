/// An ID as the key of a dictionary or a set: equal, hashed and ordered by its UTF-8
/// bytes.
///
/// Swift's `String` compares by canonical equivalence, so `"caf\u{e9}"` and
/// `"cafe\u{301}"` are one `String` key but two IDs to Kafka, Redis, PostgreSQL and
/// the gateways. Keyed by `String`, two conversations would share one seq counter and
/// one user could move another's watermark. Every map or set of IDs in receiptd is
/// keyed by `IDKey` (or by a key type that compares its IDs the same way, such as
/// `ConversationUser`), and IDs are compared with `IDKey.same(_:_:)`.
public struct IDKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The ID, as decoded.
    public let id: String

    @inlinable
    public init(_ id: String) {
        self.id = id
    }

    public var description: String { id }

    @inlinable
    public static func == (lhs: IDKey, rhs: IDKey) -> Bool {
        same(lhs.id, rhs.id)
    }

    @inlinable
    public static func < (lhs: IDKey, rhs: IDKey) -> Bool {
        precedes(lhs.id, rhs.id)
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        Self.hash(id, into: &hasher)
    }

    /// Whether two IDs are the same bytes: lengths, then eight bytes at a time over
    /// the strings' own storage. (`utf8.elementsEqual` walked the bytes one at a
    /// time through the view's iterator: 11% of the worker thread's time at max
    /// rate; copying the strings to reach their storage added retains: BENCHMARKS.md.)
    @inlinable
    public static func same(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let compared = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in equal(x, y) }
        }
        return (compared ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }

    /// Whether `bytes` (a record's key) are the bytes of `id`.
    @inlinable
    public static func same(_ bytes: ArraySlice<UInt8>, _ id: String) -> Bool {
        guard bytes.count == id.utf8.count else { return false }
        let compared = bytes.withUnsafeBufferPointer { x in id.utf8.withContiguousStorageIfAvailable { y in equal(x, y) } }
        return compared ?? bytes.elementsEqual(id.utf8)
    }

    /// Two buffers of the same length hold the same bytes.
    @inlinable
    static func equal(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = x.count
        let rx = UnsafeRawBufferPointer(x), ry = UnsafeRawBufferPointer(y)
        var offset = 0
        while offset + 8 <= count {
            if rx.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != ry.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        while offset < count {
            if x[offset] != y[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Byte order: how PostgreSQL's `C` collation and Redis order IDs. Compared in
    /// place over native strings' contiguous UTF-8 (the flush sorts every row it
    /// writes with this: the generic sequence comparison was 5% of the worker's CPU
    /// on the realistic mix).
    @inlinable
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let compared: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in precedes(x, y) }
        }
        if let compared, let compared { return compared }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `x` comes before `y` in byte order (a prefix first).
    @inlinable
    static func precedes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(x.count, y.count)
        let rx = UnsafeRawBufferPointer(x), ry = UnsafeRawBufferPointer(y)
        var offset = 0
        // Eight bytes at a time while they are equal; big-endian, they order as bytes do.
        while offset + 8 <= common {
            let u = UInt64(bigEndian: rx.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let v = UInt64(bigEndian: ry.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if u != v { return u < v }
            offset += 8
        }
        while offset < common {
            if x[offset] != y[offset] { return x[offset] < y[offset] }
            offset += 1
        }
        return x.count < y.count
    }

    /// Feeds an ID's bytes, and its length, to `hasher`; what key types that hold
    /// IDs hash them with.
    @inlinable
    public static func hash(_ id: String, into hasher: inout Hasher) {
        hasher.combine(id.utf8.count)
        let hashed: Void? = id.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {  // the same bytes fed the same way, from a copy
            Array(id.utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}

extension IDKey: ExpressibleByStringLiteral {
    public init(stringLiteral id: String) {
        self.init(id)
    }
}
