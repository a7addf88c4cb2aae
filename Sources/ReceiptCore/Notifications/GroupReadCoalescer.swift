/// Coalesces group reads into `groupHasRead` notifications: at most one window per
/// group at a time, emitted `windowMs` after its first read, listing every member
/// whose watermark moved in it with the highest (latest) watermark seen, at most
/// `maxReadersPerNotification` readers and `maxBytesPerNotification` encoded bytes
/// per record (more split into several, each saying which part of how many it is).
///
/// Pure: time is the caller's monotonic clock in milliseconds. A window is
/// identified by an id, so the caller can hold back the checkpoints of the batches
/// that fed it until the window's records are acknowledged. Replayed reads are
/// simply added again (at least once).
public struct GroupReadCoalescer: Sendable {
    public struct Configuration: Sendable {
        /// How long a group's window collects reads. Default: 1,000 ms.
        public var windowMs: Int64 = 1_000
        /// The most readers one `groupHasRead` lists. Default: 1,000.
        public var maxReadersPerNotification: Int = 1_000
        /// The most bytes one `groupHasRead` may take encoded, so it always fits the
        /// producer's message size (the worker sets half of `message.max.bytes`).
        /// Default: 500,000.
        public var maxBytesPerNotification: Int = 500_000

        public init() {}
    }

    /// A closed window: its records, in reader first-seen order.
    public struct Window: Sendable, Equatable {
        public var id: UInt64
        public var conversationID: String
        public var notifications: [Notification]
    }

    private struct OpenWindow {
        let id: UInt64
        let sessionType: SessionType
        let dueAt: Int64
        var readers: [GroupHasReadTips.Reader] = []
        var sourceEventIDs: [String] = []
        var position: [IDKey: Int] = [:]

        /// A reader's entry keeps the highest watermark and the event that set it.
        mutating func add(_ read: GroupRead) {
            let reader = IDKey(read.userID)
            if let index = position[reader] {
                guard read.hasReadSeq >= readers[index].hasReadSeq else { return }
                readers[index].hasReadSeq = read.hasReadSeq
                sourceEventIDs[index] = read.sourceEventID
            } else {
                position[reader] = readers.count
                readers.append(GroupHasReadTips.Reader(userID: read.userID, hasReadSeq: read.hasReadSeq))
                sourceEventIDs.append(read.sourceEventID)
            }
        }
    }

    public let configuration: Configuration
    private var open: [IDKey: OpenWindow] = [:]
    /// Conversations with an open window, in opening (and so due) order.
    private var dueOrder: [IDKey] = []
    private var dueHead = 0
    private var nextID: UInt64 = 1

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Windows open and not yet emitted.
    public var openWindows: Int { open.count }

    /// Adds one read to its group's window, opening one at `nowMs` if none is open.
    /// Returns the id of the window the read joined.
    public mutating func add(_ read: GroupRead, at nowMs: Int64) -> UInt64 {
        let cid = IDKey(read.conversationID)
        if open[cid] == nil {
            open[cid] = OpenWindow(id: nextID, sessionType: read.sessionType, dueAt: nowMs + configuration.windowMs)
            dueOrder.append(cid)
            nextID += 1
        }
        open[cid]!.add(read)
        return open[cid]!.id
    }

    /// Closes and returns every window whose time is up at `nowMs`, oldest first.
    public mutating func due(at nowMs: Int64) -> [Window] {
        var closed: [Window] = []
        while dueHead < dueOrder.count, let window = open[dueOrder[dueHead]], window.dueAt <= nowMs {
            closed.append(close(dueOrder[dueHead]))
            dueHead += 1
        }
        if dueHead > 1024, dueHead * 2 > dueOrder.count {
            dueOrder.removeFirst(dueHead)
            dueHead = 0
        }
        return closed
    }

    /// Closes and returns every open window now, oldest first (before a shutdown or
    /// a revocation, so nothing waits on a window that will never close).
    public mutating func closeAll() -> [Window] {
        let closed = dueOrder[dueHead...].compactMap { open[$0] == nil ? nil : close($0) }
        dueOrder.removeAll()
        dueHead = 0
        return closed
    }

    private mutating func close(_ key: IDKey) -> Window {
        let window = open.removeValue(forKey: key)!
        let cid = key.id
        let chunks = Self.chunks(window, conversationID: cid, configuration: configuration)
        let notifications = chunks.enumerated().map { index, chunk in
            Notification(
                recvID: cid, sessionType: window.sessionType, conversationID: cid,
                sourceEventIDs: Self.unique(window.sourceEventIDs[chunk]),
                payload: .groupHasRead(GroupHasReadTips(
                    conversationID: cid, readers: Array(window.readers[chunk]),
                    part: chunks.count > 1 ? (index + 1, chunks.count) : nil)))
        }
        return Window(id: window.id, conversationID: cid, notifications: notifications)
    }

    /// The window's readers in runs of at most `maxReadersPerNotification`, each of
    /// which encodes in at most `maxBytesPerNotification` (one reader always makes a
    /// run, whatever its size: IDs are bounded by the decoder).
    private static func chunks(_ window: OpenWindow, conversationID cid: String,
                               configuration: Configuration) -> [Range<Int>] {
        let limit = max(1, configuration.maxReadersPerNotification)
        // type, recvID, sessionType, conversationID twice, the part fields, the syntax.
        let overhead = 3 * JSONWriter.encodedByteCount(cid) + 200
        var chunks: [Range<Int>] = []
        var start = 0
        var bytes = overhead
        for index in window.readers.indices {
            // {"userID":…,"hasReadSeq":…}, and the reader's source event ID.
            let cost = JSONWriter.encodedByteCount(window.readers[index].userID) + 48
                + JSONWriter.encodedByteCount(window.sourceEventIDs[index]) + 1
            if index > start, index - start == limit || bytes + cost > configuration.maxBytesPerNotification {
                chunks.append(start..<index)
                start = index
                bytes = overhead
            }
            bytes += cost
        }
        if start < window.readers.count { chunks.append(start..<window.readers.count) }
        return chunks
    }

    private static func unique(_ ids: ArraySlice<String>) -> [String] {
        var seen: Set<IDKey> = []
        return ids.filter { seen.insert(IDKey($0)).inserted }
    }
}
