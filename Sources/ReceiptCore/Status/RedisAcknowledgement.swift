/// What Redis last acknowledged to this process's worker: the epoch of the state it
/// holds (the sentinel's value) and the write position of the process's writer
/// (`rcpt:writer:3:{writerID}`), as of a round trip whose results the worker has
/// announced or is about to.
///
/// A Redis whose sentinel holds another value, or whose position for this writer is
/// lower, has lost writes this process saw it hold (or is being rebuilt): nothing
/// this process announced may be read back from it. Within one epoch the position
/// never decreases.
///
/// On a Redis Cluster the positions are per slot (`rcpt:{slot-N}:writer:3:{writerID}`),
/// in `slotPositions` (slot → position, the slots this writer used), and `position`
/// is 0.
public struct RedisAcknowledgement: Sendable, Equatable {
    public var writerID: String
    public var epoch: String
    public var position: Int64
    public var slotPositions: [Int: Int64]
    /// On a cluster, the slots rebuilt on their own since `epoch` was set, and the
    /// epoch each holds now.
    public var slotEpochs: [Int: String]

    public init(writerID: String, epoch: String, position: Int64, slotPositions: [Int: Int64] = [:],
                slotEpochs: [Int: String] = [:]) {
        self.writerID = writerID
        self.epoch = epoch
        self.position = position
        self.slotPositions = slotPositions
        self.slotEpochs = slotEpochs
    }
}
