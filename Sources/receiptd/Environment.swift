#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReceiptCore

/// Flag first, then environment variable, then the documented default.
struct Settings {
    let environment: [String: String]

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    func string(_ flag: String?, _ variable: String) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let value = environment[variable], !value.isEmpty { return value }
        return nil
    }

    func required(_ flag: String?, _ variable: String, _ option: String) throws -> String {
        guard let value = string(flag, variable) else {
            throw ConfigurationError("\(option) is required (or set \(variable))")
        }
        return value
    }

    func integer(_ flag: String?, _ variable: String, _ option: String, default value: Int,
                 in range: ClosedRange<Int>) throws -> Int {
        guard let text = string(flag, variable) else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw ConfigurationError(
                "\(option) must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return parsed
    }

    /// A comma-separated set of sessionTypes (`1,2`); empty or absent is none.
    func sessionTypes(_ flag: String?, _ variable: String, _ option: String) throws -> Set<SessionType> {
        guard let text = string(flag, variable) else { return [] }
        var types: Set<SessionType> = []
        for part in text.split(separator: ",") {
            let trimmed = part.filter { $0 != " " }
            guard let raw = Int(trimmed), let type = SessionType(rawValue: raw) else {
                throw ConfigurationError(
                    "\(option) must list sessionTypes from 1 to 4 separated by commas, got '\(text)'")
            }
            types.insert(type)
        }
        return types
    }

    /// librdkafka properties from `RECEIPTD_KAFKA_*` variables
    /// (`RECEIPTD_KAFKA_SESSION_TIMEOUT_MS` → `session.timeout.ms`) and from repeated
    /// `--kafka-property key=value` flags, the flags winning.
    func kafkaProperties(flags: [String]) throws -> [String: String] {
        var properties: [String: String] = [:]
        let prefix = "RECEIPTD_KAFKA_"
        for (name, value) in environment where name.hasPrefix(prefix) && name.count > prefix.count {
            let key = name.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
            properties[key] = value
        }
        for flag in flags {
            guard let equals = flag.firstIndex(of: "="), equals != flag.startIndex else {
                throw ConfigurationError("--kafka-property must look like key=value, got '\(flag)'")
            }
            properties[String(flag[..<equals])] = String(flag[flag.index(after: equals)...])
        }
        return properties
    }
}
