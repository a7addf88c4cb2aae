import ReceiptCore

extension Dictionary where Key == String {
    /// The same entries keyed by `IDKey`, as receiptd's maps are (the keys must be
    /// distinct as bytes and as Strings, which test fixtures are).
    public var keyedByBytes: [IDKey: Value] {
        Dictionary<IDKey, Value>(uniqueKeysWithValues: map { (IDKey($0.key), $0.value) })
    }
}
