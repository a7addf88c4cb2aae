import CRdKafka

/// The tagged fields `rd_kafka_produceva` takes, one per message attribute.
extension rd_kafka_vu_t {
    static func topic(_ name: UnsafePointer<CChar>) -> Self {
        Self(vtype: RD_KAFKA_VTYPE_TOPIC, u: .init(cstr: name))
    }

    /// A topic by its handle, which skips librdkafka's lookup by name.
    static func topic(handle: OpaquePointer) -> Self {
        Self(vtype: RD_KAFKA_VTYPE_RKT, u: .init(rkt: handle))
    }

    /// An absent key or a null value is passed as (NULL, 0).
    static func key(_ bytes: UnsafeRawBufferPointer?) -> Self {
        Self(vtype: RD_KAFKA_VTYPE_KEY, u: .init(mem: memory(bytes)))
    }

    static func value(_ bytes: UnsafeRawBufferPointer) -> Self {
        Self(vtype: RD_KAFKA_VTYPE_VALUE, u: .init(mem: memory(bytes)))
    }

    /// The per-message opaque, returned in the delivery report: carries the send ticket.
    static func ticket(_ ticket: UInt64) -> Self {
        Self(vtype: RD_KAFKA_VTYPE_OPAQUE, u: .init(ptr: UnsafeMutableRawPointer(bitPattern: UInt(ticket))))
    }

    /// librdkafka copies key and value before `produceva` returns: our buffers are borrowed.
    static var copyPayload: Self {
        Self(vtype: RD_KAFKA_VTYPE_MSGFLAGS, u: .init(i: RD_KAFKA_MSG_F_COPY))
    }

    /// A header list; the message takes ownership if `produceva` succeeds.
    static func headers(_ list: OpaquePointer) -> Self {
        Self(vtype: RD_KAFKA_VTYPE_HEADERS, u: .init(headers: list))
    }

    private static func memory(_ bytes: UnsafeRawBufferPointer?) -> rd_kafka_vu_t.__Unnamed_union_u.__Unnamed_struct_mem {
        .init(ptr: UnsafeMutableRawPointer(mutating: bytes?.baseAddress), size: bytes?.count ?? 0)
    }
}

/// Builds a header list for `produceva`, or nil when there are no headers.
/// The caller owns the result until a successful produce takes it.
func makeHeaderList(_ headers: [KafkaHeader]) -> OpaquePointer? {
    guard !headers.isEmpty else { return nil }
    let list = rd_kafka_headers_new(headers.count)!
    for header in headers {
        _ = header.value.withUnsafeBytes { value in
            rd_kafka_header_add(list, header.name, -1, value.baseAddress, value.count)
        }
    }
    return list
}

/// Calls `body` with the bytes of `bytes`, or with nil when there are none.
func withOptionalBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
