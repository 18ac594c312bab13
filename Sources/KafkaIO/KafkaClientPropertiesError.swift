/// Why a ``KafkaClientProperties`` file or property was refused. Every description names
/// the source (file path or `<inline>`), the 1-based line (0 for properties given in code)
/// and the key; secret values never appear (they are redacted to `***`).
public enum KafkaClientPropertiesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, unreadable, not UTF-8).
    case unreadable(source: String, reason: String)
    /// A line is not `key=value`, the key is empty or repeated, or a control character appears.
    case syntax(source: String, line: Int, problem: String)
    /// The key is one the processor sets itself; `reason` says why and which flag sets it.
    case refused(key: String, source: String, line: Int, reason: String)
    /// librdkafka's `rd_kafka_conf_set` refused the key (unknown) or its value; `reason` is
    /// librdkafka's error text, secret values redacted.
    case rejectedByLibrdkafka(key: String, source: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let source, let reason):
            return "\(source): \(reason)"
        case .syntax(let source, let line, let problem):
            return "\(source):\(line): \(problem)"
        case .refused(let key, let source, let line, let reason):
            return "\(source):\(line): '\(key)' may not be set in the client properties: \(reason)"
        case .rejectedByLibrdkafka(let key, let source, let line, let reason):
            return "\(source):\(line): librdkafka refused '\(key)': \(reason)"
        }
    }
}
