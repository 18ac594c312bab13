import CLibrdkafka
import Foundation
import Synchronization
import Logging

/// Base of the objects installed as librdkafka's per-handle opaque
/// (`rd_kafka_conf_set_opaque`): carries the Logger that librdkafka's log_cb writes to.
/// The object must outlive the `rd_kafka_t` (retain it until `rd_kafka_destroy` returns).
class KafkaHandleContext: @unchecked Sendable {
    let logger: Logger
    /// What this client last knew of its brokers (statistics and error events).
    let brokers = Mutex(KafkaBrokerState())
    /// Last time (ms) each (`bootstrap.servers`, error code) was logged, shared by every
    /// client of the process: one line per code per 10 s for all the clients of one cluster
    /// (a processor's consumer and producer report the same outage once, not twice).
    private static let lastLogged = Mutex<[String: Int64]>([:])
    /// Interval of the repeated-error warnings, ms.
    static let errorLogIntervalMs: Int64 = 10_000
    /// The `bootstrap.servers` this client was configured with (empty for the mock cluster's
    /// own handle). Written once by `makeConf`, before the handle exists; read-only afterwards.
    private(set) var bootstrapServers = ""
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
        bootstrapServers = properties.last { $0.0 == "bootstrap.servers" }?.1 ?? ""
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
        rd_kafka_conf_set_stats_cb(conf, kafkaStatsCallback)
        return conf
    }

    /// `text` with the secret property values replaced by `***`.
    func redact(_ text: String) -> String {
        secretValues.isEmpty ? text : KafkaClientProperties.redact(text, secrets: secretValues)
    }

    /// Called for librdkafka error events (error_cb); `fatal` per rd_kafka_fatal_error.
    /// Logged once per error code per 10 s (librdkafka repeats them while a broker is down;
    /// its own log lines of the same events go to debug level, see `kafkaLogCallback`).
    ///
    /// The unreachable reason names the configured brokers (librdkafka's "1/1 brokers are
    /// down" does not), e.g. `1/1 brokers are down (bootstrap.servers 10.0.0.7:9092)`.
    func handleError(code: Int32, reason: String, fatal: Bool) {
        let error = KafkaError(code: code, message: redact(reason))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue || code == RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
            || code == RD_KAFKA_RESP_ERR__RESOLVE.rawValue {
            let named = namingBrokers(redact(reason))
            brokers.withLock { b in
                if code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue || b.reachable != true {
                    if b.reachable != false { b.sinceMs = now }
                    b.reachable = false
                    b.reason = named
                }
            }
        }
        if fatal {
            logger.critical("librdkafka fatal error", metadata: ["error": "\(error)", "brokers": "\(bootstrapServers)"])
            return
        }
        let key = "\(bootstrapServers)|\(code)"
        let due = Self.lastLogged.withLock { m -> Bool in
            if let t = m[key], now - t < Self.errorLogIntervalMs { return false }
            m[key] = now
            return true
        }
        if due {
            logger.warning("Kafka client error (repeats are logged every 10 s)",
                           metadata: ["error": "\(error)", "brokers": "\(bootstrapServers)"])
        }
    }

    /// `text`, followed by ` (bootstrap.servers <list>)` unless it already names one of them.
    func namingBrokers(_ text: String) -> String {
        guard !bootstrapServers.isEmpty else { return text }
        let hosts = bootstrapServers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if hosts.contains(where: { !$0.isEmpty && text.contains($0) }) { return text }
        return "\(text) (bootstrap.servers \(bootstrapServers))"
    }

    /// Called with librdkafka's statistics JSON (`statistics.interval.ms`): a broker is
    /// reachable when at least one real broker (node id ≥ 0) is in state `UP`.
    func handleStatistics(_ json: UnsafePointer<CChar>, length: Int) {
        let data = Data(bytes: json, count: length)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object["brokers"] as? [String: Any] else { return }
        var up = 0, known = 0
        var states: [String] = []
        for case let (name, b as [String: Any]) in list {
            guard let node = b["nodeid"] as? Int, node >= 0 else { continue }
            known += 1
            let state = b["state"] as? String ?? "?"
            if state == "UP" { up += 1 } else { states.append("\(name): \(state)") }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        brokers.withLock { b in
            let reachable = up > 0
            if known == 0 && b.reachable == nil { return }  // bootstrap only: no verdict yet
            if b.reachable != reachable { b.sinceMs = now }
            b.reachable = reachable
            b.reason = reachable ? nil : (states.isEmpty ? namingBrokers("no broker known") : states.sorted().joined(separator: ", "))
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

/// What a Kafka client knows of its brokers, for readiness and status.
public struct KafkaBrokerState: Sendable, Equatable {
    /// `true` when a broker is up, `false` when none is (or all are down), `nil` before the
    /// client knew (no statistics or error event yet).
    public var reachable: Bool?
    /// Why they are unreachable (librdkafka's text or broker states); `nil` when reachable.
    public var reason: String?
    /// Since when (ms since the epoch) `reachable` has its value; 0 before the first change.
    public var sinceMs: Int64 = 0

    public init(reachable: Bool? = nil, reason: String? = nil, sinceMs: Int64 = 0) {
        self.reachable = reachable
        self.reason = reason
        self.sinceMs = sinceMs
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
    var lvl = kafkaLogLevel(level)
    let facility = fac.map { String(cString: $0) } ?? ""
    // Connection failures also arrive as error events, logged once per interval by
    // `handleError`: librdkafka's own lines for them go to debug (one line per error).
    if lvl >= .warning, facility == "FAIL" || facility == "ERROR" || facility == "BRKDOWN" { lvl = .debug }
    guard context.logger.logLevel <= lvl else { return }
    let message = context.redact(buf.map { String(cString: $0) } ?? "")
    // The mock cluster's own handle needs no bootstrap servers: not a problem of ours.
    if facility == "CONFWARN", message.contains("bootstrap.servers") { return }
    context.logger.log(level: lvl, "\(message)", metadata: ["rdkafka.facility": "\(facility)"])
}

private let kafkaStatsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = { _, json, len, opaque in
    guard let opaque, let json else { return 0 }
    let context = Unmanaged<KafkaHandleContext>.fromOpaque(opaque).takeUnretainedValue()
    context.handleStatistics(json, length: len)
    return 0  // librdkafka frees the JSON
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
