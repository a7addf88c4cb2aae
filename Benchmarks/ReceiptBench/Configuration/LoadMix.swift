/// What the load generator produces: how many conversations, how big they are, which
/// event types in which proportions, and how many duplicates and invalid records.
///
/// The defaults are the project's "default mix" for comparisons with the reference:
/// newMsg and markConversationAsRead half and half over 5,000 single chats, no
/// duplicates, no invalid records.
public struct LoadMix: Sendable, Codable, Equatable {
    /// Conversations the events are spread over, uniformly. Default: 5,000.
    public var conversations: Int = 5_000
    /// Fraction of the conversations that are groups (sessionType 2); the rest are
    /// single chats. Default: 0 (single chats only).
    public var groupShare: Double = 0
    /// Group sizes are log-uniform in `minGroupSize...maxGroupSize`: many small
    /// groups, a few very large ones. Default: 3...10,000.
    public var minGroupSize: Int = 3
    public var maxGroupSize: Int = 10_000
    /// Relative weights of the event types. Default: newMsg 1, markConversationAsRead 1.
    public var weights = TypeWeights()
    /// Fraction of records that repeat the previous event of their conversation with
    /// a fresh eventID (a client retry: same clientMsgID, same read). Default: 0.
    public var duplicateRate: Double = 0
    /// When set, how often a read goes to a member already at the conversation's
    /// maxSeq (a repeat: a client opening a conversation with nothing new) when
    /// some members are there and some are behind (up to 8 members tried in a
    /// group). When every member is there, a read repeats whatever this says, so
    /// the share of reads that repeat (the report counts them) depends on it and on
    /// the weights: in the default mix, 66% with any member reading (nil), 53% at
    /// 0. Default: nil (any member).
    public var repeatingReaderShare: Double?
    /// Fraction of records that are refused: malformed JSON, a missing field, an
    /// invalid field, a read above maxSeq, in turn. Default: 0.
    public var invalidRate: Double = 0
    /// Seed of the generator: the same seed and mix give the same records. Default: 42.
    public var seed: UInt64 = 42

    public init() {}

    public struct TypeWeights: Sendable, Codable, Equatable {
        public var newMsg: Double = 1
        public var markConversationAsRead: Double = 1
        public var markMsgsAsRead: Double = 0
        /// Only for single chats: the generator turns a group's delivery into a read.
        public var msgDelivered: Double = 0

        public init() {}

        var total: Double { newMsg + markConversationAsRead + markMsgsAsRead + msgDelivered }
    }

    /// A realistic IM mix: mostly single chats with some groups up to 10,000 members,
    /// every event type, 1% duplicates and 0.5% invalid records.
    public static var realistic: LoadMix {
        var mix = LoadMix()
        mix.conversations = 20_000
        mix.groupShare = 0.1
        mix.weights = TypeWeights()
        mix.weights.newMsg = 5
        mix.weights.markConversationAsRead = 3
        mix.weights.markMsgsAsRead = 1
        mix.weights.msgDelivered = 1
        mix.duplicateRate = 0.01
        mix.invalidRate = 0.005
        return mix
    }
}
