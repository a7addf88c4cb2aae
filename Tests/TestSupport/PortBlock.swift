import Foundation

/// A block of 100 ports for services a test starts itself, claimed by making a
/// directory named for it (mkdir fails when it exists), so two claims made at once
/// never share ports. The directory is the claimant's to use; removing it frees the
/// block.
///
/// Blocks lie between 11000 and 32100: below 32768, where Linux's range of local
/// ports for client sockets begins, so a restarted service cannot find its port
/// held by some client connection.
public struct PortBlock: Sendable {
    /// The first port of the block; services use `base + 1 ... base + 99`.
    public let base: Int
    public let directory: String

    public static func claim() throws -> PortBlock {
        for _ in 0..<50 {
            let base = Int.random(in: 110...320) * 100
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("receiptd-ports-\(base)").path
            if (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)) != nil {
                return PortBlock(base: base, directory: directory)
            }
        }
        throw TestFailure("no free block of ports after 50 tries")
    }

    /// Frees the block, removing the directory and what is in it.
    public func release() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
