import CRdKafka

/// Owns one librdkafka instance (`rd_kafka_t`): a consumer, a producer or an admin client.
///
/// Invariants: `handle` is valid for the object's whole life and destroyed exactly once,
/// in `deinit`. `callbackContext` is retained here and given to librdkafka unretained as
/// the instance opaque; `rd_kafka_destroy` returns only after the last callback has run,
/// so the context outlives every callback that dereferences it.
final class KafkaClient {
    let handle: OpaquePointer
    private let callbackContext: (any AnyObject & Sendable)?

    private init(handle: OpaquePointer, callbackContext: (any AnyObject & Sendable)?) {
        self.handle = handle
        self.callbackContext = callbackContext
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Creates an instance from `properties`. `installCallbacks` registers C callbacks on
    /// the configuration; they receive `callbackContext` as their opaque.
    static func make(
        _ type: rd_kafka_type_t,
        properties: [String: String],
        callbackContext: (any AnyObject & Sendable)? = nil,
        installCallbacks: (_ conf: OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) -> KafkaClient {
        guard let conf = rd_kafka_conf_new() else {
            throw .local(.invalidConfiguration, "rd_kafka_conf_new failed")
        }
        var confIsOurs = true  // until rd_kafka_new succeeds and takes it over
        defer { if confIsOurs { rd_kafka_conf_destroy(conf) } }

        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let (result, message) = withErrorString { rd_kafka_conf_set(conf, name, value, $0, $1) }
            guard result == RD_KAFKA_CONF_OK else { throw .local(.invalidConfiguration, message) }
        }
        if let callbackContext {
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbackContext).toOpaque())
        }
        installCallbacks(conf)

        let (created, message) = withErrorString { rd_kafka_new(type, conf, $0, $1) }
        guard let handle = created else { throw .local(.invalidConfiguration, message) }
        confIsOurs = false
        return KafkaClient(handle: handle, callbackContext: callbackContext)
    }

    /// `err` as an error, nil for no error. `_FATAL` is replaced by the fatal error itself.
    func error(_ err: rd_kafka_resp_err_t) -> KafkaError? {
        guard err == RD_KAFKA_RESP_ERR__FATAL else { return KafkaError(err) }
        let (original, message) = withErrorString { rd_kafka_fatal_error(handle, $0, $1) }
        return KafkaError(code: .init(original), message: message, isFatal: true)
    }

    func check(_ err: rd_kafka_resp_err_t) throws(KafkaError) {
        if let error = error(err) { throw error }
    }
}

/// The only `@unchecked Sendable` in this module. librdkafka documents every
/// `rd_kafka_t` function as thread-safe, `handle` never changes, and the callback context
/// is itself `Sendable`; so sharing a `KafkaClient` across threads is safe.
extension KafkaClient: @unchecked Sendable {}

/// Calls `body` with a buffer for a C error string; returns its result and that string.
func withErrorString<Result>(_ body: (UnsafeMutablePointer<CChar>, Int) -> Result) -> (Result, String) {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
        buffer[0] = 0
        let result = body(buffer.baseAddress!, buffer.count)
        return (result, String(cString: buffer.baseAddress!))
    }
}
