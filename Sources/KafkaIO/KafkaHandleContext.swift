import CLibrdkafka
import Foundation
import Logging

/// Base of the objects installed as librdkafka's per-handle opaque
/// (`rd_kafka_conf_set_opaque`): carries the Logger that librdkafka's log_cb writes to.
/// The object must outlive the `rd_kafka_t` (retain it until `rd_kafka_destroy` returns).
class KafkaHandleContext: @unchecked Sendable {
    let logger: Logger
    /// Values of secret properties (``KafkaClientProperties/isSecret(key:)``), replaced by
    /// `***` in every librdkafka log line, error and configuration error. Written once by
    /// `makeConf`, before the handle (and any librdkafka thread) exists; read-only afterwards.
    private(set) var secretValues: [String] = []

    init(logger: Logger) {
        self.logger = logger
    }

    /// Builds an `rd_kafka_conf_t` with `properties` applied in order, the log and error
    /// callbacks routed to `logger`, and `self` as opaque. Throws KafkaError(_INVALID_ARG).
    func makeConf(_ properties: [(String, String)]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, "rd_kafka_conf_new failed")
        }
        secretValues = KafkaClientProperties.secretValues(of: properties)
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let res = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if res != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let msg = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                let shown = KafkaClientProperties.isSecret(key: key) ? "***" : value
                throw KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, "\(key)=\(shown): \(redact(msg))")
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        return conf
    }

    /// `text` with the secret property values replaced by `***`.
    func redact(_ text: String) -> String {
        secretValues.isEmpty ? text : KafkaClientProperties.redact(text, secrets: secretValues)
    }

    /// Called for librdkafka error events (error_cb); `fatal` per rd_kafka_fatal_error.
    func handleError(code: Int32, reason: String, fatal: Bool) {
        let error = KafkaError(code: code, message: redact(reason))
        if fatal {
            logger.critical("librdkafka fatal error", metadata: ["error": "\(error)"])
        } else {
            logger.warning("librdkafka error", metadata: ["error": "\(error)"])
        }
    }

    /// Creates the rd_kafka_t (takes ownership of `conf` on success, destroys it on failure).
    /// The error text is redacted with `secretValues` (see ``redact(_:)``).
    static func newHandle(type: rd_kafka_type_t, conf: OpaquePointer, secretValues: [String] = []) throws -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            let msg = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, "rd_kafka_new: \(KafkaClientProperties.redact(msg, secrets: secretValues))")
        }
        return rk
    }
}

/// An `rd_kafka_t *` that may cross threads (librdkafka handles are thread-safe; their
/// lifetime is guarded by the Mutex holding this value).
struct KafkaHandleRef: @unchecked Sendable {
    let rk: OpaquePointer
}

/// Maps syslog levels (librdkafka's log levels, RFC 5424 §6.2.1) to swift-log levels.
func kafkaLogLevel(_ level: Int32) -> Logger.Level {
    switch level {
    case ...2: return .critical
    case 3: return .error
    case 4: return .warning
    case 5: return .notice
    case 6: return .info
    default: return .debug
    }
}

private let kafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { rk, level, fac, buf in
    guard let rk, let raw = rd_kafka_opaque(rk) else { return }
    let context = Unmanaged<KafkaHandleContext>.fromOpaque(raw).takeUnretainedValue()
    let lvl = kafkaLogLevel(level)
    guard context.logger.logLevel <= lvl else { return }
    let facility = fac.map { String(cString: $0) } ?? ""
    let message = context.redact(buf.map { String(cString: $0) } ?? "")
    context.logger.log(level: lvl, "\(message)", metadata: ["rdkafka.facility": "\(facility)"])
}

private let kafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { rk, err, reason, opaque in
    guard let opaque else { return }
    let context = Unmanaged<KafkaHandleContext>.fromOpaque(opaque).takeUnretainedValue()
    var fatal = false
    var text = reason.map { String(cString: $0) } ?? ""
    var code = err
    if err == RD_KAFKA_RESP_ERR__FATAL.rawValue, let rk {
        fatal = true
        var buf = [CChar](repeating: 0, count: 512)
        code = rd_kafka_fatal_error(rk, &buf, buf.count).rawValue
        text = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
    context.handleError(code: code, reason: text, fatal: fatal)
}
