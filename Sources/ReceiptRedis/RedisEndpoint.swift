import Foundation  // String.removingPercentEncoding

/// Where a Redis server is and how to log in to it.
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    /// Default: 6379.
    public var port: Int
    /// The logical database selected after connecting. Default: 0.
    public var database: Int
    /// Sent with AUTH when set. Default: nil.
    public var password: String?

    public init(host: String, port: Int = 6379, database: Int = 0, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.password = password
    }

    /// Parses `redis://[[default]:password@]host[:port][/db]`.
    ///
    /// The password may be percent-encoded; an IPv6 host is written in brackets. Errors
    /// name the part that is wrong and never repeat the URL, which may hold a password.
    /// `url` with its password (if any) replaced by `***`, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else {
            return url
        }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }

    public init(url: String) throws(RedisError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw invalid("missing redis:// scheme")
        }
        guard url[..<colon].lowercased() == "redis" else {
            throw invalid("scheme must be redis (TLS and unix sockets are not supported)")
        }
        var rest = url[colon...].dropFirst(3)  // [userinfo@]host[:port][/db]
        guard !rest.contains("?"), !rest.contains("#") else { throw invalid("query and fragment are not supported") }

        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else { throw invalid("user info must be :password") }
            guard ["", "default"].contains(userInfo[..<colon]) else { throw invalid("ACL user names are not supported") }
            guard let decoded = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                throw invalid("bad percent-encoding in password")
            }
            password = decoded
        }

        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard isDecimal(path), let db = Int(path) else {
                    throw invalid("database must be a non-negative integer")
                }
                database = db
            }
        }

        let (host, port) = try Self.hostAndPort(rest)
        self.init(host: host, port: port, database: database, password: password)
    }

    /// The seed nodes of a Redis Cluster from `host:port,host:port,…` (`[v6]:port`
    /// for IPv6; a missing port is 6379), each with `password`, database 0 (the
    /// only one a cluster has). Throws `invalidURL` naming what is wrong.
    public static func clusterSeeds(_ list: String, password: String?) throws(RedisError) -> [RedisEndpoint] {
        var seeds: [RedisEndpoint] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw invalid("an empty node in the cluster node list") }
            let (host, port) = try hostAndPort(Substring(trimmed))
            seeds.append(RedisEndpoint(host: host, port: port, password: password))
        }
        return seeds
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func hostAndPort(_ authority: Substring) throws(RedisError) -> (String, Int) {
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unclosed [ in IPv6 host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw invalid("junk after IPv6 host") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        guard let portText else { return (String(host), 6379) }
        guard isDecimal(portText), let port = Int(portText), (1...65_535).contains(port) else {
            throw invalid("port must be an integer in 1...65535")
        }
        return (String(host), port)
    }
}

private func invalid(_ what: String) -> RedisError { RedisError(.invalidURL, context: what) }

/// Only ASCII digits, so `Int(_:)` cannot accept a sign.
private func isDecimal(_ text: Substring) -> Bool {
    text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
}
