import Foundation  // Data's base64 for the cursor
import ReceiptCore

/// One member who has read a seq, with their continuous read watermark (below the
/// seq for one who read it individually, under message-level read).
public struct SeqReader: Sendable, Equatable {
    public var userID: String
    public var hasReadSeq: Int64

    public init(userID: String, hasReadSeq: Int64) {
        self.userID = userID
        self.hasReadSeq = hasReadSeq
    }
}

/// One page of the members who have read a seq, and where the next page starts
/// (nil: this was the last).
public struct ReadersPage: Sendable, Equatable {
    public var readers: [SeqReader]
    public var next: ReadersCursor?

    public init(readers: [SeqReader], next: ReadersCursor?) {
        self.readers = readers
        self.next = next
    }
}

/// Where a listing of a seq's readers goes on (`ReadersPosition`: Redis orders
/// `rcpt:{cid}:read` and the read-mark index so). The cursor names the last member
/// listed, so a page costs O(log N + limit) in Redis whatever the group's size.
///
/// Opaque to clients: base64url of `1|seq|w|watermark|userID` or `1|seq|x|userID`.
public struct ReadersCursor: Sendable, Equatable {
    /// The seq the listing is of; a cursor is refused for another.
    public var seq: Int64
    public var position: ReadersPosition

    public init(seq: Int64, after position: ReadersPosition) {
        self.seq = seq
        self.position = position
    }

    /// The cursor as clients see it.
    public var encoded: String {
        let plain = switch position {
        case .watermark(let hasReadSeq, let userID): "1|\(seq)|w|\(hasReadSeq)|\(userID)"
        case .marked(let userID): "1|\(seq)|x|\(userID)"
        }
        return Data(plain.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cursor `encoded` spells; nil when it spells none.
    public init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard encoded.utf8.count <= 1_024, let data = Data(base64Encoded: base64),
              let plain = String(data: data, encoding: .utf8)
        else { return nil }
        let fields = plain.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0] == "1", let seq = Int64(fields[1]), seq >= 1 else { return nil }
        switch fields[2] {
        case "w" where fields.count == 5:
            guard let hasReadSeq = Int64(fields[3]), !fields[4].isEmpty else { return nil }
            self.init(seq: seq, after: .watermark(hasReadSeq: hasReadSeq, userID: String(fields[4])))
        case "x":
            let userID = fields.dropFirst(3).joined(separator: "|")
            guard !userID.isEmpty else { return nil }
            self.init(seq: seq, after: .marked(userID: userID))
        default:
            return nil
        }
    }
}
