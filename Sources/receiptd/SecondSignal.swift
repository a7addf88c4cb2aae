import Foundation
import UnixSignals

/// The first SIGTERM or SIGINT starts a graceful shutdown (the ServiceGroup's job);
/// a second one ends the process at once, for an operator who will not wait.
enum SecondSignal {
    static func exitImmediately() -> Task<Void, Never> {
        Task {
            var seen = 0
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                seen += 1
                if seen >= 2 {
                    FileHandle.standardError.write(Data("receiptd: second \(signal), exiting now\n".utf8))
                    exit(1)
                }
            }
        }
    }
}
