/// Values keyed by ticket, for tickets handed out in increasing order and retired
/// roughly in that order (delivery reports arrive in produce order per partition).
///
/// An array indexed by `ticket - base` instead of a hash table: storing and
/// retiring a ticket costs no hashing, which mattered at one ticket per
/// notification. Invariant: every stored ticket lies in `base + head ..< base +
/// slots.count`; slots before `head` are all empty.
struct TicketWindow<Value> {
    private var slots: [Value?] = []
    private var head = 0
    private var base: UInt64 = 0
    /// Tickets holding a value.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    subscript(ticket: UInt64) -> Value? {
        get {
            guard ticket >= base else { return nil }
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
                return
            }
            let index = Int(ticket - base)
            if index >= slots.count {
                guard let newValue else { return }
                slots.append(contentsOf: repeatElement(nil, count: index - slots.count))
                slots.append(newValue)
                count += 1
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
    var values: [Value] { slots[head...].compactMap { $0 } }

    private mutating func advanceHead() {
        while head < slots.count, slots[head] == nil { head += 1 }
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            base += UInt64(head)
            head = 0
        } else if head >= 4_096, head * 2 >= slots.count {
            slots.removeFirst(head)
            base += UInt64(head)
            head = 0
        }
    }
}
