/// Settings for a consumer, producer or admin call.
///
/// `properties` are librdkafka configuration properties (see librdkafka's
/// CONFIGURATION.md). Each client adds its own defaults underneath them and may force a
/// few on top; the client types document which.
public struct KafkaConfiguration: Sendable {
    /// librdkafka properties as strings, e.g. `["bootstrap.servers": "127.0.0.1:9092"]`.
    /// Default: empty.
    public var properties: [String: String]
    /// How long `KafkaProducer.send` waits for room when the local queue is full before
    /// throwing `queueFull`. Producer only. Default: 5000 ms.
    public var enqueueTimeoutMs: Int32

    public init(properties: [String: String] = [:], enqueueTimeoutMs: Int32 = 5000) {
        self.properties = properties
        self.enqueueTimeoutMs = enqueueTimeoutMs
    }

    /// A configuration that connects to `bootstrapServers` (`host:port[,host:port…]`).
    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.init(properties: properties.merging(["bootstrap.servers": bootstrapServers]) { _, new in new })
    }

    /// One librdkafka property; nil when unset here (librdkafka's default applies).
    public subscript(property: String) -> String? {
        get { properties[property] }
        set { properties[property] = newValue }
    }

    /// `defaults`, overridden by `properties`, overridden by `forced`.
    func resolvedProperties(defaults: [String: String] = [:], forced: [String: String] = [:]) -> [String: String] {
        defaults.merging(properties) { _, own in own }.merging(forced) { _, forced in forced }
    }
}
