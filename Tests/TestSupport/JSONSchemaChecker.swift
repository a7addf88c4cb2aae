import Foundation

/// Validates JSON values against the subset of JSON Schema draft 2020-12 that
/// `proto-json/schemas` uses: `type`, `required`, `properties`,
/// `additionalProperties`, `enum`, `const`, `minimum`, `maximum`, `minLength`,
/// `maxLength`, `pattern`, `items`, `minItems`, `maxItems`, `anyOf`, `oneOf`, `allOf`,
/// and `$ref` to `#/...` in the same document. Annotations (`$schema`, `$id`,
/// `title`, `description`, `$comment`, `$defs`) are ignored. Any other keyword is
/// itself reported as a violation, so the checker never silently checks less than
/// a schema says.
public struct JSONSchemaChecker: Sendable {
    public let schema: JSONDocument

    public init(schema: JSONDocument) {
        self.schema = schema
    }

    /// Every violation found, each as "<path>: <what is wrong>"; empty means valid.
    public func violations(of instance: JSONDocument) -> [String] {
        var found: [String] = []
        check(instance, against: schema, at: "$", into: &found)
        return found
    }

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$comment", "$defs"]

    func check(_ value: JSONDocument, against schema: JSONDocument, at path: String, into found: inout [String]) {
        switch schema {
        case .bool(true): return
        case .bool(false): found.append("\(path): no value is allowed here"); return
        case .object: break
        default: found.append("\(path): schema is neither an object nor a boolean"); return
        }
        guard case .object(let keywords) = schema else { return }
        for (keyword, argument) in keywords.sorted(by: { $0.key < $1.key }) where !Self.annotations.contains(keyword) {
            checkKeyword(keyword, argument, keywords, value, path, &found)
        }
    }

    private func checkKeyword(
        _ keyword: String, _ argument: JSONDocument, _ siblings: [String: JSONDocument],
        _ value: JSONDocument, _ path: String, _ found: inout [String]
    ) {
        switch keyword {
        case "$ref":
            guard let target = resolve(argument.stringValue) else {
                found.append("\(path): cannot resolve $ref \(argument)")
                return
            }
            check(value, against: target, at: path, into: &found)
        case "type":
            let allowed: [String] = if case .array(let names) = argument { names.compactMap(\.stringValue) } else { [argument.stringValue ?? "?"] }
            if value.schemaTypes.isDisjoint(with: allowed) {
                found.append("\(path): expected \(allowed.joined(separator: " or ")), found \(value.schemaTypes.sorted().last ?? "?")")
            }
        case "enum":
            if case .array(let options) = argument, !options.contains(value) {
                found.append("\(path): \(brief(value)) is not one of the allowed values")
            }
        case "const":
            if value != argument { found.append("\(path): must be \(brief(argument)), found \(brief(value))") }
        case "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems":
            checkBound(keyword, argument, value, path, &found)
        case "required", "properties", "additionalProperties":
            checkObject(keyword, argument, siblings, value, path, &found)
        case "items":
            guard case .array(let elements) = value else { return }
            for (i, element) in elements.enumerated() {
                check(element, against: argument, at: "\(path)[\(i)]", into: &found)
            }
        case "anyOf", "oneOf", "allOf":
            checkCombinator(keyword, argument, value, path, &found)
        default:
            found.append("\(path): schema keyword `\(keyword)` is not supported by JSONSchemaChecker")
        }
    }

    /// Resolves `#` or `#/a/b` against the root schema.
    func resolve(_ reference: String?) -> JSONDocument? {
        guard let reference, reference.hasPrefix("#") else { return nil }
        var node = schema
        for token in reference.dropFirst().split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    func brief(_ value: JSONDocument) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): "\(d)"
        case .string(let s): s.count <= 40 ? "\"\(s)\"" : "a string of \(s.count) characters"
        case .array(let a): "an array of \(a.count)"
        case .object: "an object"
        }
    }
}
