/// Decodes and validates one record of `im.receipt.events` (contract v1) without any
/// state: the bytes are read once by a strict JSON scanner and every stateless rule
/// of the contract is checked. Checks run in a fixed order and the first failure is
/// reported: JSON validity, then `type`, then the common fields (`eventID`, `userID`,
/// `conversationID`, `sessionType`, `sendTime`), then the type's own fields.
///
/// Reading rules (see `proto-json/README.md`):
/// - int64 fields take a JSON integer or a decimal string (`5` or `"5"`); fractions,
///   exponents, and values outside Int64 are `invalid_field`. `sessionType` takes a
///   JSON integer only.
/// - `null` counts as absent (protobuf's JSON mapping).
/// - Unknown members are skipped, whatever their type (still checked for syntax).
/// - A contract field named twice is `malformed_json`: readers would disagree on it.
/// - `peerUserID` is kept only in single chats; in groups it is checked and dropped.
/// - `seqs` keep their order and duplicates; the state rules decide what they mean.
public struct EventDecoder: Sendable {
    public var configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Limits that keep one record's cost bounded.
    public struct Configuration: Sendable, Equatable {
        /// Most elements a `seqs` array may have; more is `too_many_seqs`. Default: 1000.
        public var maxSeqs: Int
        /// Longest ID (`eventID`, `userID`, `conversationID`, `peerUserID`,
        /// `clientMsgID`) in UTF-8 bytes; longer is `invalid_field`. Default: 256.
        public var maxIDBytes: Int
        /// Deepest nesting of objects and arrays, the record's own object being level 1;
        /// deeper is `malformed_json`. Default: 32.
        public var maxDepth: Int

        public init(maxSeqs: Int = 1000, maxIDBytes: Int = 256, maxDepth: Int = 32) {
            self.maxSeqs = maxSeqs
            self.maxIDBytes = maxIDBytes
            self.maxDepth = maxDepth
        }
    }

    /// Decodes one record's value.
    public func decode(_ bytes: [UInt8]) -> Result<ReceiptEvent, Rejection> {
        bytes.withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Decodes one record's value from any byte collection; contiguous storage (an
    /// `ArraySlice`, a `ContiguousArray`, a raw buffer) is read in place, without copying.
    public func decode(_ bytes: some Collection<UInt8>) -> Result<ReceiptEvent, Rejection> {
        if let result = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0) }) {
            return result
        }
        return decode(Array(bytes))
    }

    /// Decodes one record, value and key: the value's rules first, then the rule
    /// that a record is keyed by its conversationID (`key_mismatch`), compared as
    /// bytes. A record keyed otherwise, or not at all, lands in a partition of
    /// another conversation's events, where replay could no longer be exact.
    public func decode(_ value: some Collection<UInt8>, key: ArraySlice<UInt8>?) -> Result<ReceiptEvent, Rejection> {
        let result = decode(value)
        guard case .success(let event) = result else { return result }
        guard let key else {
            return .failure(Rejection(.keyMismatch, "the record has no key; it must be keyed by its conversationID"))
        }
        guard IDKey.same(key, event.conversationID) else {
            return .failure(Rejection(
                .keyMismatch, "the record's key is not its conversationID; every event of a conversation must carry it as key"))
        }
        return result
    }

    func decode(buffer: UnsafeBufferPointer<UInt8>) -> Result<ReceiptEvent, Rejection> {
        do throws(Rejection) {
            let fields = try EventFields.read(buffer, configuration: configuration)
            return .success(try validate(fields))
        } catch {
            return .failure(error)
        }
    }
}
