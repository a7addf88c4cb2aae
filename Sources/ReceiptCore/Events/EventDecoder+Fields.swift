/// Field-level checks shared by every event type. Each throws one `Rejection` whose
/// reason is a sentence naming the field.
extension EventDecoder {
    /// A required, non-empty string of at most `maxIDBytes` UTF-8 bytes.
    func requiredID(_ read: StringRead?, _ name: String) throws(Rejection) -> String {
        guard let id = try optionalID(read, name) else {
            throw Rejection(.missingField, "field `\(name)` is missing")
        }
        return id
    }

    /// Like `requiredID`, but absence is fine.
    func optionalID(_ read: StringRead?, _ name: String) throws(Rejection) -> String? {
        switch read {
        case nil: return nil
        case .wrongType(let kind)?:
            throw Rejection(.invalidField, "field `\(name)` must be a string, not \(kind)")
        case .value(let id)?:
            guard !id.isEmpty else { throw Rejection(.invalidField, "field `\(name)` must not be empty") }
            let length = id.utf8.count
            guard length <= configuration.maxIDBytes else {
                throw Rejection(.invalidField, "field `\(name)` is \(length) bytes long, more than the limit of \(configuration.maxIDBytes)")
            }
            return id
        }
    }

    func requiredInt64(_ read: Int64Read?, _ name: String, minimum: Int64) throws(Rejection) -> Int64 {
        guard let value = try optionalInt64(read, name, minimum: minimum) else {
            throw Rejection(.missingField, "field `\(name)` is missing")
        }
        return value
    }

    func optionalInt64(_ read: Int64Read?, _ name: String, minimum: Int64) throws(Rejection) -> Int64? {
        guard let read else { return nil }
        let value = try int64(read, name)
        guard value >= minimum else {
            throw Rejection(.invalidField, "field `\(name)` must be at least \(minimum), not \(value)")
        }
        return value
    }

    /// A present `seqs` array: at most `maxSeqs` elements, each an int64 ≥ 1.
    /// Emptiness is the caller's rule.
    func optionalSeqs(_ read: SeqsRead?) throws(Rejection) -> [Int64]? {
        switch read {
        case nil: return nil
        case .wrongType(let kind)?:
            throw Rejection(.invalidField, "field `seqs` must be an array of integers, not \(kind)")
        case let .list(values, count, firstBad)?:
            guard count <= configuration.maxSeqs else {
                throw Rejection(.tooManySeqs, "field `seqs` has \(count) elements, more than the limit of \(configuration.maxSeqs)")
            }
            if let bad = firstBad { _ = try int64(bad.problem, "seqs[\(bad.index)]") }
            for (index, seq) in values.enumerated() where seq < 1 {
                throw Rejection(.invalidField, "field `seqs[\(index)]` must be at least 1, not \(seq)")
            }
            return values
        }
    }

    private func int64(_ read: Int64Read, _ name: String) throws(Rejection) -> Int64 {
        switch read {
        case .value(let v): return v
        case .nonInteger:
            throw Rejection(.invalidField, "field `\(name)` must be an integer, without fraction or exponent")
        case .outOfRange:
            throw Rejection(.invalidField, "field `\(name)` does not fit in a signed 64-bit integer")
        case .notDecimalString:
            throw Rejection(.invalidField, "field `\(name)` must be a decimal integer string such as \"42\"")
        case .wrongType(let kind):
            throw Rejection(.invalidField, "field `\(name)` must be an integer (a JSON number or a decimal string), not \(kind)")
        }
    }
}
