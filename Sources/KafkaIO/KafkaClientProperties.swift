import CLibrdkafka
import Foundation

/// Operator-supplied librdkafka client properties for secured clusters (issue 13 item 1):
/// SASL, TLS, timeouts and the like, read from a librdkafka properties file and applied to
/// every consumer and producer AFTER the processor's own defaults
/// (``KafkaConsumerConfiguration/clientProperties``, ``KafkaProducerConfiguration/clientProperties``).
///
/// File format (the one librdkafka's examples and kcat's `-F` read):
/// - one `key=value` per line; the first `=` separates key and value, so values may contain `=`;
/// - key and value are trimmed of surrounding spaces and tabs;
/// - blank lines and lines whose first non-blank character is `#` are ignored;
/// - a key may appear once (a repeat is an error naming both lines).
///
/// Invariants: no key is one the processor owns (``refusalReason(forKey:)``: offsets,
/// group, brokers, delivery guarantee, callbacks); every instance was checked at creation.
/// Whether librdkafka knows each key and accepts its value is checked by ``validate()``
/// (and again when a client is created).
///
/// Secrets: the value of every key for which ``isSecret(key:)`` holds (`password`, `secret`,
/// `key`, `token` in the name, case-insensitive) is shown as `***` in ``description``, in
/// every ``KafkaClientPropertiesError`` and in librdkafka log lines and errors routed
/// through the clients' loggers.
///
/// Immutable value; `Sendable`, safe to share between threads.
public struct KafkaClientProperties: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One property and where it came from.
    public struct Entry: Sendable, Equatable {
        /// The librdkafka property name as written, e.g. `sasl.mechanism`.
        public let key: String
        /// The value as written (trimmed). May be a secret: never log it, use ``redactedValue``.
        public let value: String
        /// 1-based line in the source file; 0 for properties given in code.
        public let line: Int

        /// `value`, or `***` when ``KafkaClientProperties/isSecret(key:)`` holds for `key`.
        public var redactedValue: String { KafkaClientProperties.isSecret(key: key) ? "***" : value }
    }

    /// The properties in file order.
    public let entries: [Entry]
    /// Where they came from: the file path, or `"<inline>"`; used in error messages.
    public let source: String

    /// No properties.
    public init() {
        entries = []
        source = "<inline>"
    }

    /// Properties given in code, applied in this order. Throws
    /// ``KafkaClientPropertiesError/refused(key:source:line:reason:)`` for a key the processor
    /// owns and ``KafkaClientPropertiesError/syntax(source:line:problem:)`` for an empty or repeated key.
    public init(_ pairs: [(key: String, value: String)]) throws {
        var entries: [Entry] = []
        for (key, value) in pairs {
            entries.append(Entry(key: key.trimmingCharacters(in: .whitespaces),
                                 value: value.trimmingCharacters(in: .whitespaces), line: 0))
        }
        try self.init(checking: entries, source: "<inline>")
    }

    /// Parses the text of a properties file (format above). `source` names it in errors.
    /// Throws ``KafkaClientPropertiesError`` `.syntax` (line without `=`, empty key, repeated
    /// key, control character) or `.refused` (a key the processor owns), each with the 1-based line.
    public init(parsing text: String, source: String = "<inline>") throws {
        var entries: [Entry] = []
        var lineNumber = 0
        // LF or CRLF line ends ("\r\n" is one Character in Swift).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw KafkaClientPropertiesError.syntax(source: source, line: lineNumber,
                                                         problem: "expected key=value, found no '='")
            }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw KafkaClientPropertiesError.syntax(source: source, line: lineNumber,
                                                         problem: "control character in key or value")
            }
            entries.append(Entry(key: key, value: value, line: lineNumber))
        }
        try self.init(checking: entries, source: source)
    }

    /// Reads and parses the properties file at `path` (UTF-8). Throws
    /// ``KafkaClientPropertiesError/unreadable(source:reason:)`` when it cannot be read or is
    /// not UTF-8, else what ``init(parsing:source:)`` throws, with `path` as the source.
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw KafkaClientPropertiesError.unreadable(source: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KafkaClientPropertiesError.unreadable(source: path, reason: "not UTF-8 text")
        }
        try self.init(parsing: text, source: path)
    }

    private init(checking entries: [Entry], source: String) throws {
        var firstLine: [String: Int] = [:]
        for entry in entries {
            if entry.key.isEmpty {
                throw KafkaClientPropertiesError.syntax(source: source, line: entry.line, problem: "empty key before '='")
            }
            if let reason = Self.refusalReason(forKey: entry.key) {
                throw KafkaClientPropertiesError.refused(key: entry.key, source: source, line: entry.line, reason: reason)
            }
            if let first = firstLine[entry.key] {
                throw KafkaClientPropertiesError.syntax(
                    source: source, line: entry.line,
                    problem: "'\(entry.key)' is repeated (first set on line \(first))")
            }
            firstLine[entry.key] = entry.line
        }
        self.entries = entries
        self.source = source
    }

    /// The properties as (key, value) pairs in order, values unredacted: for `rd_kafka_conf_set` only.
    var pairs: [(String, String)] { entries.map { ($0.key, $0.value) } }

    /// Whether the properties are empty.
    public var isEmpty: Bool { entries.isEmpty }

    /// Checks every property against librdkafka itself: sets each, in order, on a throwaway
    /// `rd_kafka_conf_t` with `rd_kafka_conf_set` (nothing connects, no thread starts).
    /// Throws ``KafkaClientPropertiesError/rejectedByLibrdkafka(key:source:line:reason:)`` for the
    /// first unknown key or bad value, with librdkafka's own reason (secret values redacted).
    /// Problems only found when a client starts (e.g. an unreadable `ssl.ca.location`) surface
    /// from `KafkaConsumer.init` / `KafkaProducer.init` as `KafkaError` (also redacted).
    public func validate() throws {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaClientPropertiesError.rejectedByLibrdkafka(key: "", source: source, line: 0,
                                                                  reason: "rd_kafka_conf_new failed")
        }
        defer { rd_kafka_conf_destroy(conf) }
        var errstr = [CChar](repeating: 0, count: 512)
        for entry in entries {
            if rd_kafka_conf_set(conf, entry.key, entry.value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                let reason = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw KafkaClientPropertiesError.rejectedByLibrdkafka(
                    key: entry.key, source: source, line: entry.line, reason: redact(reason))
            }
        }
    }

    /// The secret values among these properties (values of keys for which ``isSecret(key:)``
    /// holds), longest first: what ``redact(_:)`` removes.
    var secretValues: [String] {
        Self.secretValues(of: pairs)
    }

    /// `text` with every secret value of these properties replaced by `***`.
    public func redact(_ text: String) -> String {
        Self.redact(text, secrets: secretValues)
    }

    /// `key=value` lines in order, secret values as `***`; safe to log.
    public var description: String {
        entries.map { "\($0.key)=\($0.redactedValue)" }.joined(separator: "\n")
    }

    /// Same as ``description`` (secrets redacted).
    public var debugDescription: String { "KafkaClientProperties(\(source)):\n\(description)" }

    /// A mirror without values, so `dump` and reflection show no secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["source": source, "keys": entries.map(\.key)], displayStyle: .struct)
    }
}

extension KafkaClientProperties {
    /// Whether `key`'s value is a secret: its name contains `password`, `secret`, `key` or
    /// `token`, case-insensitive (e.g. `sasl.password`, `ssl.key.password`, `ssl.key.pem`,
    /// `ssl.keystore.password`, `sasl.oauthbearer.client.secret`). Errs on the side of
    /// redaction (`ssl.key.location`, a path, is redacted too).
    public static func isSecret(key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("password") || k.contains("secret") || k.contains("key") || k.contains("token")
    }

    /// The non-empty values of the secret keys among `pairs`, longest first (so a secret
    /// containing another is replaced whole).
    static func secretValues(of pairs: [(String, String)]) -> [String] {
        Array(Set(pairs.filter { isSecret(key: $0.0) && !$0.1.isEmpty }.map(\.1)))
            .sorted { $0.count > $1.count }
    }

    /// `text` with every occurrence of each of `secrets` replaced by `***`.
    static func redact(_ text: String, secrets: [String]) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }
}
