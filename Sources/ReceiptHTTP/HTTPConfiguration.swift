/// How the HTTP server listens and what it allows. A plain value: the executable fills
/// it from flags and environment, tests from literals.
public struct HTTPConfiguration: Sendable {
    /// Address to bind. Default: "0.0.0.0".
    public var host: String
    /// TCP port to bind. Default: 8080.
    public var port: Int
    /// When set and not empty, every `/v1/` route needs `Authorization: Bearer <token>`;
    /// `/healthz`, `/readyz` and `/metrics` stay open. Default: nil (no auth).
    public var bearerToken: String?
    /// Most conversation IDs one read-state request may name. Default: 100.
    public var maxConversationIDs: Int
    /// `/healthz` fails once the worker loop's last pass is older than this. Default: 30 s.
    public var healthStaleness: Duration
    /// Most unacked seqs listed one by one; `unackedRanges` always covers all. Default: 1000.
    public var maxListedUnacked: Int

    public init(
        host: String = "0.0.0.0",
        port: Int = 8080,
        bearerToken: String? = nil,
        maxConversationIDs: Int = 100,
        healthStaleness: Duration = .seconds(30),
        maxListedUnacked: Int = 1000
    ) {
        self.host = host
        self.port = port
        self.bearerToken = bearerToken
        self.maxConversationIDs = maxConversationIDs
        self.healthStaleness = healthStaleness
        self.maxListedUnacked = maxListedUnacked
    }
}
