import ReceiptCore
import ReceiptRedis

/// The writer check: how the store notices a Redis that rolled back
/// (`WriterPositionScript`).
extension RedisStateStore {
    /// The writer check of `scope` as a command: its sentinel must hold `epoch`,
    /// this writer's position there must not be below what it acknowledged, nor any
    /// required position below what its checkpoint recorded (single scope); then the
    /// position advances.
    func writerCheck(epoch: String, scope: CheckScope = .single) -> RedisCommand {
        var keys = [scope.sentinel, scope.writer(writerID)]
        var args = [epoch, String(acknowledgedPositions[scope] ?? 0)]
        let required = scope.slot.map { requiredSlotPositions[$0] ?? [:] } ?? requiredPositions
        for (writer, position) in required.sorted(by: { $0.key < $1.key }) {
            keys.append(scope.writer(writer))
            args.append(String(position))
        }
        return .evalsha(WriterPositionScript.script, keys: keys, args: args)
    }

    /// The epoch `scope`'s sentinel must hold: its slot's own since a rebuild of
    /// that slot alone, else the store's.
    func epoch(of scope: CheckScope) -> String? {
        scope.slot.flatMap { slotEpochs[$0] } ?? epoch
    }

    /// The highest position Redis acknowledged in the single scope (a single Redis).
    var acknowledgedPosition: Int64 { acknowledgedPositions[.single] ?? 0 }

    /// Takes the writer check's reply for `scope`: the new position, which must be
    /// above every position acknowledged there before (only this process advances
    /// it). Throws `RedisStateLost` when the check failed or the position went back;
    /// any other failed reply as it is.
    func acknowledge(_ reply: Result<RedisReply, RedisError>, scope: CheckScope = .single) throws {
        let acknowledgedPosition = acknowledgedPositions[scope] ?? 0
        let position: Int64
        switch reply {
        case .success(let value):
            guard let integer = value.int64 else {
                throw RedisError(.unexpectedReply, context: "writer check returned a reply that is not a position")
            }
            position = integer
        case .failure(let error):
            if let detail = error.detail, detail.hasPrefix(WriterPositionScript.rolledBackError) {
                throw RedisStateLost(trigger: .writePosition, detail: detail, slot: scope.slot)
            }
            if Self.isStateLost(reply) { throw RedisStateLost() }
            throw error
        }
        guard position > acknowledgedPosition else {
            // An earlier check passed against a position that then went back: mark it.
            markRolledBack(slots: scope.slot.flatMap(slotsSharingShard))
            throw RedisStateLost(trigger: .writePosition,
                                 detail: "write position \(position) is not above the acknowledged \(acknowledgedPosition)",
                                 slot: scope.slot)
        }
        acknowledgedPositions[scope] = position
    }

    /// What Redis last acknowledged to this writer; nil until an epoch is adopted.
    /// On a cluster, the position of every slot used.
    var acknowledgement: RedisAcknowledgement? {
        guard let epoch else { return nil }
        var slots: [Int: Int64] = [:]
        if !configuration.clusterSeeds.isEmpty {
            slots.reserveCapacity(acknowledgedPositions.count)
            for (scope, position) in acknowledgedPositions {
                if let slot = scope.slot { slots[slot] = position }
            }
        }
        return RedisAcknowledgement(writerID: writerID, epoch: epoch, position: acknowledgedPosition,
                                    slotPositions: slots, slotEpochs: slotEpochs)
    }

    /// The writer check on its own (once a second, and when partitions are
    /// assigned): a Redis that lost or rolled back its data is noticed even while no
    /// events arrive. A success also covers the required positions from here on.
    /// On a cluster, the slots this writer has used are checked in turns of at most
    /// `idleCheckSlots` (batches check the slots they touch anyway). Returns whether
    /// this call completed a check of every scope used (always, on a single Redis).
    ///
    /// Every slot with required positions (a takeover's) is checked in this call,
    /// whatever its number.
    @discardableResult
    func checkWriter() throws -> Bool {
        guard epoch != nil else { throw RedisStateLost() }
        let required = requiredPositions
        let requiredSlots = requiredSlotPositions
        var (scopes, completes) = configuration.clusterSeeds.isEmpty ? ([CheckScope.single], true) : nextIdleScopes()
        let idle = Set(scopes)
        scopes += requiredSlots.keys.sorted().map { CheckScope(slot: $0) }.filter { !idle.contains($0) }
        guard !scopes.isEmpty else { return completes }
        let replies = try execute(scopes.map { writerCheck(epoch: epoch(of: $0) ?? "", scope: $0) },
                                  scripts: [WriterPositionScript.script])
        for (scope, reply) in zip(scopes, replies) { try acknowledge(reply, scope: scope) }
        requiredPositions = requiredPositions.filter { required[$0.key] != $0.value }
        requiredSlotPositions = requiredSlotPositions.filter { requiredSlots[$0.key] != $0.value }
        return completes
    }

    /// The slot positions acknowledged since the previous call, now counted as
    /// recorded: what the flush being handed over stores (`SlotPositions`). Empty on
    /// a single Redis.
    func slotPositionsToRecord() -> [Int: Int64] {
        var moved: [Int: Int64] = [:]
        for (scope, position) in acknowledgedPositions {
            guard let slot = scope.slot, recordedSlotPositions[slot] != position else { continue }
            moved[slot] = position
            recordedSlotPositions[slot] = position
        }
        return moved
    }

    /// The next turn of used slots for the idle check, round robin by slot, and
    /// whether it ends a round of all of them.
    private func nextIdleScopes() -> ([CheckScope], Bool) {
        let used = acknowledgedPositions.keys.compactMap(\.slot).sorted()
        guard used.count > Self.idleCheckSlots else { return (used.map { CheckScope(slot: $0) }, true) }
        let start = used.firstIndex { $0 >= idleCheckCursor } ?? 0
        let turn = (0..<Self.idleCheckSlots).map { used[(start + $0) % used.count] }
        idleCheckCursor = turn.last! + 1
        // A round ends when this turn reaches the last used slot (it then wraps).
        return (turn.map { CheckScope(slot: $0) }, start + Self.idleCheckSlots >= used.count)
    }

    /// Slots one idle check covers on a cluster: 512 script calls a second, however
    /// many slots the writer used.
    static let idleCheckSlots = 512

    /// Writes `RedisKeys.rolledBack` into the sentinel if it still holds this
    /// worker's epoch, so that every replica's allocations refuse and the state is
    /// rebuilt; best effort (a Redis that cannot be reached now is marked by the
    /// recovery, which calls this again).
    ///
    /// On a cluster, the sentinels of `slots` (nil: every slot): the slots of the
    /// shard that went back, which are then rebuilt on their own.
    func markRolledBack(slots: [Int]? = nil) {
        guard epoch != nil else { return }
        let commands = scopes(slots).compactMap { scope in
            epoch(of: scope).map { epoch in
                RedisCommand.evalsha(WriterPositionScript.script, keys: [scope.sentinel, scope.writer(writerID)],
                                     args: [epoch, String(WriterPositionScript.beyondAny)])
            }
        }
        _ = try? execute(commands, scripts: [WriterPositionScript.script])
    }

    /// Every scope: the single one, or all 16,384 slots of a cluster.
    var allScopes: [CheckScope] {
        configuration.clusterSeeds.isEmpty ? [.single] : (0..<RedisHashSlot.count).map { CheckScope(slot: $0) }
    }

    /// The scopes of `slots` of a cluster; nil: `allScopes`.
    func scopes(_ slots: [Int]?) -> [CheckScope] {
        slots.map { $0.map { CheckScope(slot: $0) } } ?? allScopes
    }

    /// Raises this writer's position back to what it acknowledged (after the state
    /// was rebuilt: a rolled-back Redis holds a lower one), and the writers'
    /// positions `required` names to at least their values (the seeding replica,
    /// for every checkpoint's record; `requiredSlots` on a cluster, per slot).
    ///
    /// `only`: the slots of a cluster rebuilt on their own; nil: everything.
    func restorePositions(_ required: [String: Int64] = [:],
                          slots requiredSlots: [String: [Int: Int64]] = [:], only: Set<Int>? = nil) throws(RedisError) {
        let inside = { (slot: Int?) in only == nil || slot.map { only!.contains($0) } == true }
        var commands = acknowledgedPositions.filter { inside($0.key.slot) }.map { scope, position in
            RedisCommand.evalsha(RaiseCounterScript.script, keys: [scope.writer(writerID)], args: [String(position)])
        }
        for (writer, position) in required where configuration.clusterSeeds.isEmpty {
            commands.append(.evalsha(RaiseCounterScript.script, keys: [RedisKeys.writer(writer)], args: [String(position)]))
        }
        for (writer, positions) in requiredSlots {
            for (slot, position) in positions where inside(slot) {
                commands.append(.evalsha(RaiseCounterScript.script, keys: [RedisKeys.slotWriter(slot, writer)],
                                         args: [String(position)]))
            }
        }
        for chunk in stride(from: 0, to: commands.count, by: 10_000) {
            let slice = Array(commands[chunk..<min(chunk + 10_000, commands.count)])
            for reply in try execute(slice, scripts: [RaiseCounterScript.script]) { _ = try reply.get() }
        }
    }

    /// The reason of an allocation that found its counter deleted; nil for any other reply.
    static func counterMissing(_ reply: Result<RedisReply, RedisError>) -> String? {
        guard case .failure(let error) = reply, let detail = error.detail,
              detail.hasPrefix(AllocationScript.counterMissingError) else { return nil }
        return detail
    }
}
