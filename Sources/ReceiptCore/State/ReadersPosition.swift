/// Where a listing of one seq's readers goes on, in the order Redis and PostgreSQL
/// both list them: first the members whose watermark reached the seq, by
/// (watermark, userID bytes); then those who read it individually above their
/// watermark (message-level read), by userID bytes.
public enum ReadersPosition: Sendable, Equatable {
    /// After this member of the watermark part.
    case watermark(hasReadSeq: Int64, userID: String)
    /// After this member of the individual-read part.
    case marked(userID: String)

    public var isWatermark: Bool { if case .watermark = self { true } else { false } }

    /// The member the listing goes on after.
    public var userID: String {
        switch self {
        case .watermark(_, let userID), .marked(let userID): userID
        }
    }
}
