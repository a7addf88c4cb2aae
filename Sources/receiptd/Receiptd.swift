import ArgumentParser

/// `receiptd`: the receipt-and-sequence worker of an IM backend.
@main
struct Receiptd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiptd",
        abstract: "Applies IM receipt events from Kafka to Redis and PostgreSQL and publishes receipt notifications.",
        subcommands: [RunCommand.self])
}
