import Foundation
import ReceiptPipeline
import ReceiptRedis

/// The ceiling: what Redis alone sustains for the commands the worker issues per
/// event, measured with `redis-benchmark` pipelined (-P 64), one command at a time.
///
/// Per event, receiptd's read round trip issues the allocation script for a newMsg,
/// and GET maxSeq + ZMSCORE for a read, whose write round trip adds ZADD GT CH.
/// The implied ceiling in events/s is the harmonic combination of those rates
/// weighted by the mix. (The worker coalesces commands per conversation within a
/// batch, so it can issue fewer than one set per event.)
struct RedisCeiling {
    struct Configuration: Sendable {
        var redisURL: String
        /// Requests per command. Default: 500,000.
        var requests = 500_000
        /// Default: 64.
        var pipeline = 64
        /// Concurrent connections. Default: 4.
        var clients = 4
        /// A database of its own, emptied afterwards. Default: 14 (the test suites
        /// use 9 and 13 for tests of their own, which may run beside the smoke run).
        var database = 14
        /// Key space of `__rand_int__`. Default: 1,000,000.
        var keySpace = 1_000_000
        var executable = "/usr/bin/redis-benchmark"
    }

    let configuration: Configuration

    /// The commands measured, by name, as redis-benchmark arguments.
    static func commands(scriptSHA: String) -> [(name: String, arguments: [String])] {
        [
            ("EVALSHA allocate", allocation(scriptSHA: scriptSHA)),
            ("GET maxSeq", ["GET", "rcpt:{bc__rand_int__}:seq"]),
            ("ZCOUNT alloc", ["ZCOUNT", "rcpt:{bc__rand_int__}:alloc", "__rand_int__", "+inf"]),
            ("ZMSCORE", ["ZMSCORE", "rcpt:{bc__rand_int__}:read", "u__rand_int__"]),
            ("ZADD GT CH", ["ZADD", "rcpt:{bc__rand_int__}:read", "GT", "CH", "5", "u__rand_int__"]),
        ]
    }

    /// Conversations per allocation call in the ceiling: the worker puts a whole
    /// batch's conversations into a few calls, so its per-call cost is shared.
    static let conversationsPerAllocation = 16

    /// One allocation script call for one new message in each of
    /// `conversationsPerAllocation` conversations, with the arguments the worker
    /// passes: message count, trim position, clientMsgID, stream position.
    ///
    /// redis-benchmark draws every `__rand_int__` on its own, so a call's three keys
    /// of one "conversation" never match. The counter is therefore one key per
    /// index, which exists after the first call: a random counter starting at 1
    /// beside a `cm` set some earlier call made would be refused as a vanished
    /// counter (`AllocationScript.counterMissingError`). Sets stay random and small.
    static func allocation(scriptSHA: String) -> [String] {
        var keys = [RedisKeys.sentinel]
        var args = ["bench", "86400"]
        for index in 0..<conversationsPerAllocation {
            keys += ["rcpt:{bc\(index)}:seq", "rcpt:{bc\(index)__rand_int__}:alloc",
                     "rcpt:{bc\(index)__rand_int__}:cm"]
            args += ["1", "1", "m__rand_int__", "__rand_int__"]
        }
        return ["EVALSHA", scriptSHA, String(keys.count)] + keys + args
    }

    /// Redis commands per event type: which of `commands` one event costs.
    static func commandsPerEvent(_ kind: EventKind) -> [String] {
        switch kind {
        case .newMsg, .duplicate: ["EVALSHA allocate"]
        case .markConversationAsRead, .markMsgsAsRead: ["GET maxSeq", "ZCOUNT alloc", "ZMSCORE", "ZADD GT CH"]
        case .msgDelivered: ["GET maxSeq", "ZCOUNT alloc"]
        case .invalid: []
        }
    }

    func run(mix: LoadMix) throws -> CeilingResult {
        var endpoint = try RedisEndpoint(url: configuration.redisURL)
        endpoint.database = configuration.database
        let connection = try RedisConnection.connect(endpoint, timeoutMs: 5_000)
        let script = AllocationScript.script
        try connection.load(script)
        _ = try connection.execute(.set(RedisKeys.sentinel, "bench"))
        defer { _ = try? connection.execute(RedisCommand(["FLUSHDB"])) }

        var rates: [String: Double] = [:]
        for command in Self.commands(scriptSHA: script.sha1) {
            // redis-benchmark counts error replies as requests: check the command works first.
            let sample = command.arguments.map { $0.replacingOccurrences(of: "__rand_int__", with: "42") }
            do {
                _ = try connection.execute(RedisCommand(sample))
            } catch {
                throw BenchError("the ceiling's \(command.name) fails in Redis: \(error)")
            }
            rates[command.name] = try benchmark(command.arguments, endpoint: endpoint)
        }
        // One allocation call serves that many messages: its rate in messages per second.
        rates["EVALSHA allocate"]? *= Double(Self.conversationsPerAllocation)
        // Seconds of Redis time per event, weighted by the mix's event types.
        let w = mix.weights
        let shares: [(EventKind, Double)] = [(.newMsg, w.newMsg), (.markConversationAsRead, w.markConversationAsRead),
                                             (.markMsgsAsRead, w.markMsgsAsRead), (.msgDelivered, w.msgDelivered)]
        var secondsPerEvent = 0.0
        for (kind, weight) in shares where weight > 0 {
            let cost = Self.commandsPerEvent(kind).reduce(0.0) { $0 + 1 / (rates[$1] ?? .infinity) }
            secondsPerEvent += weight / w.total * cost
        }
        return CeilingResult(
            commandsPerSecond: rates, impliedEventsPerSecond: secondsPerEvent > 0 ? 1 / secondsPerEvent : 0,
            pipeline: configuration.pipeline, clients: configuration.clients, requests: configuration.requests)
    }

    /// Runs redis-benchmark for one command; returns its requests per second.
    private func benchmark(_ command: [String], endpoint: RedisEndpoint) throws -> Double {
        var arguments = ["-h", endpoint.host, "-p", String(endpoint.port), "--dbnum", String(endpoint.database),
                         "-c", String(configuration.clients), "-P", String(configuration.pipeline),
                         "-n", String(configuration.requests), "-r", String(configuration.keySpace), "--csv"]
        if let password = endpoint.password { arguments += ["-a", password] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: configuration.executable)
        process.arguments = arguments + command
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // CSV: a header line, then "command","rps",...
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last(where: { !$0.hasPrefix("\"test\"") }),
              let rps = line.split(separator: ",").dropFirst().first.flatMap({ Double($0.trimmingCharacters(in: ["\""])) })
        else { throw BenchError("redis-benchmark \(command[0]) failed: \(text.prefix(300))") }
        return rps
    }
}

/// The ceiling's numbers.
public struct CeilingResult: Sendable, Codable {
    /// Command name → requests per second, pipelined.
    public var commandsPerSecond: [String: Double]
    /// The events per second Redis could serve for this mix's commands.
    public var impliedEventsPerSecond: Double
    public var pipeline: Int
    public var clients: Int
    public var requests: Int
}
