import Foundation
import Logging
import Synchronization

/// Collects log entries in memory, for tests that assert what was logged (and how often).
/// Thread-safe: handlers made by ``logger(label:level:)`` append from any thread.
public final class LogCapture: Sendable {
    /// One captured log line.
    public struct Entry: Sendable {
        /// Wall-clock time of the call, seconds since the Unix epoch.
        public var time: Double
        public var level: Logger.Level
        public var message: String
        /// Merged metadata (handler, then the call's), rendered as strings.
        public var metadata: [String: String]
        /// The message followed by every metadata value: what a log line would contain.
        public var line: String { ([message] + metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }).joined(separator: " ") }
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Every entry so far, in call order.
    public var all: [Entry] { entries.withLock { $0 } }

    /// A logger writing into this capture at `level` and above.
    public func logger(label: String = "test.capture", level: Logger.Level = .info) -> Logger {
        var l = Logger(label: label) { _ in Handler(capture: self) }
        l.logLevel = level
        return l
    }

    fileprivate func append(_ e: Entry) { entries.withLock { $0.append(e) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged: [String: String] = [:]
            for (k, v) in metadata { merged[k] = "\(v)" }
            for (k, v) in event.metadata ?? [:] { merged[k] = "\(v)" }
            capture.append(Entry(time: Date().timeIntervalSince1970, level: event.level,
                                 message: "\(event.message)", metadata: merged))
        }
    }
}
