import Crypto

/// A Lua script and the SHA-1 the server knows it by.
///
/// `sha1` is computed here, so EVALSHA can be sent before the script was ever loaded:
/// a `.noScript` error reply means `load` it and send again.
public struct RedisScript: Sendable, Equatable {
    public let source: String
    /// Lowercase hex SHA-1 of `source`'s UTF-8 bytes, as SCRIPT LOAD returns it.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }.joined()
    }
}
