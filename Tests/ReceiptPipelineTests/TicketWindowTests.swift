@testable import ReceiptPipeline
import Testing

@Suite("Ticket window")
struct TicketWindowTests {
    @Test("behaves like a dictionary for increasing tickets retired in any order, with gaps")
    func matchesADictionary() {
        var generator = SystemRandomNumberGenerator()
        var window = TicketWindow<Int>()
        var model: [UInt64: Int] = [:]
        var next: UInt64 = 1
        for step in 0..<50_000 {
            if Int.random(in: 0..<10, using: &generator) < 5 || model.isEmpty {
                next += UInt64.random(in: 0...2, using: &generator)  // gaps: tickets never stored
                window[next] = step
                model[next] = step
                next += 1
            } else {
                // Mostly the oldest, sometimes any: delivery reports of different partitions interleave.
                let ticket = Bool.random(using: &generator) ? model.keys.min()! : model.keys.randomElement(using: &generator)!
                #expect(window.removeValue(forKey: ticket) == model.removeValue(forKey: ticket))
            }
            #expect(window.count == model.count)
        }
        for (ticket, value) in model { #expect(window[ticket] == value) }
        #expect(window.values == model.sorted { $0.key < $1.key }.map(\.value))
        #expect(window[0] == nil && window[next + 10] == nil)
    }

    @Test("a ticket retired, or never stored, reads as nil and can be cleared again")
    func retiredTicketsReadAsNil() {
        var window = TicketWindow<String>()
        window[5] = "a"
        window[7] = "b"
        #expect(window[6] == nil)
        window[5] = nil
        window[5] = nil
        #expect(window[5] == nil && window.count == 1 && window[7] == "b")
        window[7] = nil
        #expect(window.isEmpty)
        window[9] = "c"
        #expect(window[9] == "c" && window[7] == nil && window.count == 1)
    }

    @Test("one ticket held while a hundred thousand come and go keeps its value, and the window stays small")
    func longHeldTicketMovesAside() {
        var window = TicketWindow<Int>()
        window[1] = -1
        for ticket in UInt64(2)...200_000 {
            window[ticket] = Int(ticket)
            window[ticket] = nil
        }
        #expect(window.count == 1 && window[1] == -1)
        #expect(window.span <= 65_537)
        window[200_001] = 7
        #expect(window.values == [-1, 7])
        #expect(window.removeValue(forKey: 1) == -1)
        #expect(window.count == 1 && window[200_001] == 7)
    }
}
