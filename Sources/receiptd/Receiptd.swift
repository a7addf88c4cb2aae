import ArgumentParser
import Foundation

/// `receiptd`: the receipt-and-sequence worker of an IM backend.
@main
struct Receiptd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiptd",
        abstract: "Applies IM receipt events from Kafka to Redis and PostgreSQL and publishes receipt notifications.",
        subcommands: [RunCommand.self, MigrateCommand.self])

    /// Runs the command. Usage mistakes exit with status 2 and one line on standard
    /// error (ArgumentParser's own exit 64 and usage page are for humans at a
    /// terminal; deployments and scripts want one greppable line).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            let line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            FileHandle.standardError.write(Data("receiptd: error: \(line)\n".utf8))
            exit(withError: ExitCode(2))
        }
    }
}
