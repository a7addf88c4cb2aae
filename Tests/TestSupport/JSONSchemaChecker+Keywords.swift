import Foundation

extension JSONSchemaChecker {
    func checkBound(_ keyword: String, _ argument: JSONDocument, _ value: JSONDocument, _ path: String, _ found: inout [String]) {
        switch (keyword, value, argument) {
        case ("minimum", .number(let n), .number(let bound)) where n < bound:
            found.append("\(path): \(n) is less than the minimum \(bound)")
        case ("maximum", .number(let n), .number(let bound)) where n > bound:
            found.append("\(path): \(n) is greater than the maximum \(bound)")
        case ("minLength", .string(let s), .number(let bound)) where Decimal(s.unicodeScalars.count) < bound:
            found.append("\(path): string is shorter than \(bound) characters")
        case ("maxLength", .string(let s), .number(let bound)) where Decimal(s.unicodeScalars.count) > bound:
            found.append("\(path): string is longer than \(bound) characters")
        case ("minItems", .array(let a), .number(let bound)) where Decimal(a.count) < bound:
            found.append("\(path): array has \(a.count) items, fewer than \(bound)")
        case ("maxItems", .array(let a), .number(let bound)) where Decimal(a.count) > bound:
            found.append("\(path): array has \(a.count) items, more than \(bound)")
        case ("pattern", .string(let s), .string(let pattern)):
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                found.append("\(path): schema pattern \(pattern) is not a valid regular expression")
                return
            }
            let range = NSRange(s.startIndex..<s.endIndex, in: s)
            if regex.firstMatch(in: s, range: range) == nil {
                found.append("\(path): \(brief(value)) does not match \(pattern)")
            }
        default: return
        }
    }

    func checkObject(
        _ keyword: String, _ argument: JSONDocument, _ siblings: [String: JSONDocument],
        _ value: JSONDocument, _ path: String, _ found: inout [String]
    ) {
        guard case .object(let members) = value else { return }
        switch keyword {
        case "required":
            guard case .array(let names) = argument else { return }
            for name in names.compactMap(\.stringValue) where members[name] == nil {
                found.append("\(path): required member `\(name)` is missing")
            }
        case "properties":
            guard case .object(let properties) = argument else { return }
            for (name, subschema) in properties.sorted(by: { $0.key < $1.key }) {
                if let member = members[name] { check(member, against: subschema, at: "\(path).\(name)", into: &found) }
            }
        default:  // additionalProperties
            var declared: Set<String> = []
            if case .object(let properties)? = siblings["properties"] { declared = Set(properties.keys) }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
                if argument == .bool(false) {
                    found.append("\(path): member `\(name)` is not allowed")
                } else {
                    check(member, against: argument, at: "\(path).\(name)", into: &found)
                }
            }
        }
    }

    func checkCombinator(_ keyword: String, _ argument: JSONDocument, _ value: JSONDocument, _ path: String, _ found: inout [String]) {
        guard case .array(let subschemas) = argument else {
            found.append("\(path): `\(keyword)` must be an array of schemas")
            return
        }
        let results = subschemas.map { subschema in
            var sub: [String] = []
            check(value, against: subschema, at: path, into: &sub)
            return sub
        }
        let matching = results.filter(\.isEmpty).count
        switch keyword {
        case "allOf": found += results.flatMap { $0 }
        case "anyOf" where matching == 0:
            found.append("\(path): matches none of anyOf (\(results.map { $0.joined(separator: "; ") }.joined(separator: " | ")))")
        case "oneOf" where matching != 1:
            found.append("\(path): matches \(matching) of oneOf's \(subschemas.count) schemas, not exactly one")
        default: return
        }
    }
}
