import CLibrdkafka

/// An error reported by librdkafka, or by this wrapper around it.
///
/// `code` is the raw value of librdkafka's `rd_kafka_resp_err_t` (negative values are
/// librdkafka-internal errors such as `-184` `_QUEUE_FULL`, positive values are Kafka
/// protocol error codes, see rdkafka.h); `name` is `rd_kafka_err2name(code)`;
/// `message` is the error string librdkafka gave (or `rd_kafka_err2str`).
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Raw `rd_kafka_resp_err_t` value.
    public let code: Int32
    /// Human-readable detail.
    public let message: String

    /// Creates an error from a raw code and message.
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    package init(_ err: rd_kafka_resp_err_t, _ message: String? = nil) {
        self.code = err.rawValue
        self.message = message ?? String(cString: rd_kafka_err2str(err))
    }

    init(consuming error: OpaquePointer) {
        self.code = rd_kafka_error_code(error).rawValue
        self.message = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
    }

    /// librdkafka's symbolic name of `code`, e.g. `_QUEUE_FULL`.
    public var name: String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    /// Whether the error concerns one record only, not the client or the cluster: the
    /// record is too large (`MSG_SIZE_TOO_LARGE`, client or broker side), corrupt
    /// (`INVALID_MSG`, `CORRUPT_MESSAGE`), too large a batch (`RECORD_LIST_TOO_LARGE`) or
    /// refused as invalid (`INVALID_RECORD`). Such a record can be skipped without
    /// stopping its partition.
    public var isRecordSpecific: Bool {
        [RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG,
         RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD].contains { $0.rawValue == code }
    }

    public var description: String { "KafkaError(\(name) [\(code)]: \(message))" }

    /// `RD_KAFKA_RESP_ERR__QUEUE_FULL`: the producer's local queue is full.
    public static let queueFullCode: Int32 = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    /// `RD_KAFKA_RESP_ERR__TIMED_OUT`.
    public static let timedOutCode: Int32 = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    /// `RD_KAFKA_RESP_ERR__INVALID_ARG`: a bad configuration property or argument.
    public static let invalidArgCode: Int32 = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
    /// `RD_KAFKA_RESP_ERR__STATE`: the client is closed or in the wrong state.
    public static let stateCode: Int32 = RD_KAFKA_RESP_ERR__STATE.rawValue

    static func closed(_ what: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__STATE, "\(what) is closed")
    }
}
