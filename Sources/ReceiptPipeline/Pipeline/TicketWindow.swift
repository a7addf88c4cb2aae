/// Values keyed by ticket, for tickets handed out in increasing order and retired
/// roughly in that order (delivery reports arrive in produce order per partition).
///
/// An array indexed by `ticket - base` instead of a hash table: storing and
/// retiring a ticket costs no hashing, which mattered at one ticket per
/// notification. A few tickets held much longer than the rest (a delivery stuck on
/// one partition, a long group-read window) move to a small dictionary, so memory
/// follows the tickets held, not the span between the oldest and the newest.
/// Invariant: every stored ticket lies in `base + head ..< base + slots.count` or in
/// `stragglers`; slots before `head` are all empty.
struct TicketWindow<Value> {
    private var slots: [Value?] = []
    private var head = 0
    private var base: UInt64 = 0
    /// Values of tickets older than `base + head`.
    private var stragglers: [UInt64: Value] = [:]
    /// Tickets holding a value.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// Tickets the array spans, held or not: what its memory follows.
    var span: Int { slots.count - head }

    subscript(ticket: UInt64) -> Value? {
        get {
            guard ticket >= base + UInt64(head) else { return stragglers[ticket] }
            let index = Int(ticket - base)
            return index < slots.count ? slots[index] : nil
        }
        set {
            if count == 0 {
                guard let newValue else { return }
                // Empty: start over at this ticket, keeping the storage.
                slots.removeAll(keepingCapacity: true)
                head = 0
                base = ticket
                slots.append(newValue)
                count = 1
                return
            }
            guard ticket >= base + UInt64(head) else {
                precondition(newValue == nil, "ticket \(ticket) is older than every ticket held")
                if stragglers.removeValue(forKey: ticket) != nil { count -= 1 }
                return
            }
            let index = Int(ticket - base)
            if index >= slots.count {
                guard let newValue else { return }
                slots.append(contentsOf: repeatElement(nil, count: index - slots.count))
                slots.append(newValue)
                count += 1
                spillIfSparse()
                return
            }
            switch (slots[index] == nil, newValue == nil) {
            case (true, false): count += 1
            case (false, true): count -= 1
            default: break
            }
            slots[index] = newValue
            if index == head { advanceHead() }
        }
    }

    /// Removes and returns the value of `ticket`, if any.
    @discardableResult
    mutating func removeValue(forKey ticket: UInt64) -> Value? {
        guard let value = self[ticket] else { return nil }
        self[ticket] = nil
        return value
    }

    /// Every stored value, oldest ticket first.
    var values: [Value] {
        stragglers.sorted { $0.key < $1.key }.map(\.value) + slots[head...].compactMap { $0 }
    }

    /// When the window spans far more tickets than it holds, the older half's
    /// values move to `stragglers` and their slots are dropped.
    private mutating func spillIfSparse() {
        let span = slots.count - head
        guard span > 65_536, span > 8 * count else { return }
        let cut = head + span / 2
        for index in head..<cut {
            if let value = slots[index] { stragglers[base + UInt64(index)] = value }
        }
        dropSlots(before: cut)
        advanceHead()
    }

    /// Moves `head` past empty slots, and drops the slots before it once they are
    /// all of the array or at least half of a long one.
    private mutating func advanceHead() {
        while head < slots.count, slots[head] == nil { head += 1 }
        if head == slots.count || (head >= 4_096 && head * 2 >= slots.count) { dropSlots(before: head) }
    }

    /// Forgets the slots before `index`: the array then starts at its ticket.
    private mutating func dropSlots(before index: Int) {
        slots.removeFirst(index)
        base += UInt64(index)
        head = 0
    }
}
