import ReceiptCore
import Testing

@Suite("Coalescing group reads into groupHasRead")
struct GroupReadCoalescerTests {
    func read(_ user: String, _ seq: Int64, in cid: String = "sg_1", event: String? = nil) -> GroupRead {
        GroupRead(conversationID: cid, sessionType: .group, userID: user, hasReadSeq: seq,
                  sourceEventID: event ?? "e-\(user)-\(seq)")
    }

    func readers(_ windows: [GroupReadCoalescer.Window]) -> [[GroupHasReadTips.Reader]] {
        windows.flatMap(\.notifications).map {
            if case .groupHasRead(let tips) = $0.payload { return tips.readers }
            return []
        }
    }

    @Test("one record per group per window, emitted when the window is up, to recvID = conversationID")
    func oneRecordPerWindow() {
        var coalescer = GroupReadCoalescer()
        let first = coalescer.add(read("u1", 3), at: 0)
        let second = coalescer.add(read("u2", 4), at: 400)
        #expect(first == second)
        #expect(coalescer.due(at: 999).isEmpty)
        let windows = coalescer.due(at: 1_000)
        #expect(windows.map(\.id) == [first])
        #expect(windows.flatMap(\.notifications).map(\.recvID) == ["sg_1"])
        #expect(windows.flatMap(\.notifications).map(\.sourceEventIDs) == [["e-u1-3", "e-u2-4"]])
        #expect(readers(windows) == [[.init(userID: "u1", hasReadSeq: 3), .init(userID: "u2", hasReadSeq: 4)]])
        #expect(coalescer.openWindows == 0)
    }

    @Test("a member who reads several times in a window is listed once, with the latest watermark")
    func latestWatermarkWins() {
        var coalescer = GroupReadCoalescer()
        _ = coalescer.add(read("u1", 3), at: 0)
        _ = coalescer.add(read("u1", 7), at: 10)
        _ = coalescer.add(read("u1", 5, event: "replayed-older"), at: 20)
        let windows = coalescer.due(at: 1_000)
        #expect(readers(windows) == [[.init(userID: "u1", hasReadSeq: 7)]])
        #expect(windows.flatMap(\.notifications).map(\.sourceEventIDs) == [["e-u1-7"]])
    }

    @Test("more readers than the cap split into several records, none above the cap")
    func readersAreCappedPerRecord() {
        var configuration = GroupReadCoalescer.Configuration()
        configuration.maxReadersPerNotification = 1_000
        var coalescer = GroupReadCoalescer(configuration: configuration)
        for n in 0..<2_500 { _ = coalescer.add(read("u\(n)", 9), at: 0) }
        let windows = coalescer.due(at: 1_000)
        #expect(readers(windows).map(\.count) == [1_000, 1_000, 500])
        #expect(Set(readers(windows).joined().map(\.userID)).count == 2_500)
    }

    @Test("groups have windows of their own; a read after a window closed opens the next one")
    func windowsArePerGroupAndSuccessive() {
        var coalescer = GroupReadCoalescer()
        let a = coalescer.add(read("u1", 1, in: "sg_a"), at: 0)
        let b = coalescer.add(read("u1", 1, in: "sg_b"), at: 500)
        #expect(a != b)
        #expect(coalescer.due(at: 1_000).map(\.conversationID) == ["sg_a"])
        let next = coalescer.add(read("u2", 2, in: "sg_a"), at: 1_100)
        #expect(next != a)
        #expect(coalescer.due(at: 1_500).map(\.conversationID) == ["sg_b"])
        #expect(coalescer.due(at: 2_100).map(\.id) == [next])
    }

    @Test("closing all emits every open window at once")
    func closeAllEmitsEverything() {
        var coalescer = GroupReadCoalescer()
        _ = coalescer.add(read("u1", 1, in: "sg_a"), at: 0)
        _ = coalescer.add(read("u1", 1, in: "sg_b"), at: 0)
        #expect(coalescer.closeAll().map(\.conversationID) == ["sg_a", "sg_b"])
        #expect(coalescer.openWindows == 0 && coalescer.due(at: 10_000).isEmpty)
    }

    @Test("applied group reads feed the coalescer; single-chat reads and rejected reads do not")
    func applierReportsGroupReads() {
        let group = ReceiptEvent(eventID: "g1", userID: "u7", conversationID: "sg_1", sessionType: .group,
                                 body: .markConversationAsRead(hasReadSeq: 4, seqs: []))
        let tooHigh = ReceiptEvent(eventID: "g2", userID: "u8", conversationID: "sg_1", sessionType: .group,
                                   body: .markConversationAsRead(hasReadSeq: 99, seqs: []))
        let single = ReceiptEvent(eventID: "s1", userID: "b", conversationID: "si_a_b", sessionType: .single,
                                  peerUserID: "a", body: .markConversationAsRead(hasReadSeq: 1, seqs: []))
        let out = BatchApplier().apply([group, tooHigh, single], snapshots: [
            "sg_1": ConversationSnapshot(maxSeq: 9), "si_a_b": ConversationSnapshot(maxSeq: 9),
        ])
        #expect(out.groupReads == [GroupRead(conversationID: "sg_1", sessionType: .group, userID: "u7",
                                             hasReadSeq: 4, sourceEventID: "g1")])
        #expect(out.notifications.filter { $0.conversationID == "sg_1" }.map(\.recvID) == ["u7"])
    }

    @Test("readers are split by encoded size as well as by count; each record fits and says which part of how many it is")
    func splitByEncodedSize() {
        var configuration = GroupReadCoalescer.Configuration()
        configuration.maxBytesPerNotification = 4_000
        var coalescer = GroupReadCoalescer(configuration: configuration)
        // IDs full of quotes: each byte of them takes two encoded.
        let users = (0..<40).map { String(repeating: "\"", count: 90) + "\($0)" }
        for (index, user) in users.enumerated() { _ = coalescer.add(read(user, Int64(index + 1)), at: 0) }
        let notifications = coalescer.due(at: 1_000).flatMap(\.notifications)
        #expect(notifications.count > 1)
        for notification in notifications {
            #expect(notification.encodeJSON().count <= 4_000, "\(notification.encodeJSON().count) bytes")
        }
        let parts = notifications.compactMap { notification -> (Int, Int)? in
            if case .groupHasRead(let tips) = notification.payload { return tips.part.map { ($0.index, $0.of) } }
            return nil
        }
        #expect(parts.map(\.0) == Array(1...notifications.count))
        #expect(parts.allSatisfy { $0.1 == notifications.count })
        let listed = notifications.flatMap { notification -> [String] in
            if case .groupHasRead(let tips) = notification.payload { return tips.readers.map(\.userID) }
            return []
        }
        #expect(listed == users, "every reader once, in order")
    }

    @Test("a window that fits one record says nothing of parts")
    func unsplitHasNoPart() {
        var coalescer = GroupReadCoalescer()
        _ = coalescer.add(read("u1", 3), at: 0)
        let notification = coalescer.due(at: 1_000).flatMap(\.notifications)[0]
        guard case .groupHasRead(let tips) = notification.payload else {
            Issue.record("not a groupHasRead")
            return
        }
        #expect(tips.part == nil)
        #expect(!String(decoding: notification.encodeJSON(), as: UTF8.self).contains("part"))
    }
}
