import ReceiptCore
import ReceiptRedis
import Testing
import TestSupport

/// Expects Redis, PostgreSQL and the notify topic to hold exactly the reference
/// model's state; with `inOrder`, also that the topic announced nothing out of
/// order (a run without crashes, whose notifications are never replayed).
func expectModelState(_ log: EventLog, driver: StreamDriver, redisURL: String, postgresURL: String,
                      seed: UInt64, inOrder: Bool = false, redisClusterNodes: [RedisEndpoint] = [],
                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let model = log.model
    let redis = try await onOwnThread {
        try StateCheck.redis(model, url: redisURL, clusterNodes: redisClusterNodes)
    }
    let postgres = try await onOwnThread { try StateCheck.postgres(model, url: postgresURL) }
    let notifications = try await driver.notifications()
    let notified = StateCheck.notifications(model, notifications)
        + (inOrder ? StateCheck.announcedInOrder(notifications, privateEventIDs: model.privateEventIDs) : [])
    let differences = redis + postgres + notified
    #expect(differences.isEmpty, "seed \(seed): \(differences.count) differences, first: \(differences.prefix(8))",
            sourceLocation: sourceLocation)
}

extension StateCheck {
    /// What no crash or Redis trouble may ever announce: a seq given to two
    /// messages of a conversation, or a watermark lower than one announced before
    /// to the same recipient (read or delivery, per reader). Private reads are an
    /// order of their own: a reader's devices may learn of a private read through 5,
    /// then of a public one through 3, and keep the higher.
    static func announcedInOrder(_ notifications: [Notification], privateEventIDs: Set<String>) -> [String] {
        var differences = seqsGivenOnce(notifications)
        var read: [String: Int64] = [:]
        var delivered: [String: Int64] = [:]
        for notification in notifications {
            switch notification.payload {
            case .hasReadReceipt(let tips):
                let isPrivate = notification.sourceEventIDs.contains(where: privateEventIDs.contains)
                let key = "\(notification.recvID)/\(tips.conversationID)/\(tips.markAsReadUserID)\(isPrivate ? "/private" : "")"
                if let before = read[key], tips.hasReadSeq < before {
                    differences.append("notify: \(key) announced hasReadSeq \(tips.hasReadSeq) after \(before)")
                }
                read[key] = max(read[key] ?? 0, tips.hasReadSeq)
            case .deliveryReceipt(let tips):
                let key = "\(notification.recvID)/\(tips.conversationID)/\(tips.deliveredUserID)"
                if let before = delivered[key], tips.deliveredSeq < before {
                    differences.append("notify: \(key) announced deliveredSeq \(tips.deliveredSeq) after \(before)")
                }
                delivered[key] = max(delivered[key] ?? 0, tips.deliveredSeq)
            default:
                break
            }
        }
        return differences
    }

    /// What nothing may ever announce, replays included: a seq of a conversation
    /// given to two messages.
    static func seqsGivenOnce(_ notifications: [Notification]) -> [String] {
        var differences: [String] = []
        var owners: [String: String] = [:]
        for notification in notifications {
            guard case .seqAssigned(let clientMsgID, let seq, let sender) = notification.payload else { continue }
            let key = "\(notification.conversationID)#\(seq)"
            let owner = "\(sender)/\(clientMsgID)"
            if let first = owners.updateValue(owner, forKey: key), first != owner {
                differences.append("notify: seq \(seq) of \(notification.conversationID) given to \(first) and \(owner)")
            }
        }
        return differences
    }

    /// Every message of the model announced with its model seq, and no other seq
    /// announced: what must hold even where reads' verdicts may differ.
    static func messageSeqs(_ model: ReferenceModel, _ notifications: [Notification]) -> [String] {
        var differences: [String] = []
        var announced: [String: [String: Int64]] = [:]
        for notification in notifications {
            guard case .seqAssigned(let clientMsgID, let seq, _) = notification.payload else { continue }
            let cid = notification.conversationID
            if model.allocations[cid]?[clientMsgID] != seq {
                differences.append("notify: \(clientMsgID) of \(cid) announced with seq \(seq), expected "
                                   + "\(model.allocations[cid]?[clientMsgID].map(String.init) ?? "none")")
            }
            announced[cid, default: [:]][clientMsgID] = seq
        }
        for (cid, messages) in model.allocations {
            for clientMsgID in messages.keys where announced[cid]?[clientMsgID] == nil {
                differences.append("notify: \(clientMsgID) of \(cid) never announced")
            }
        }
        return differences
    }
}
