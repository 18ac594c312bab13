import ScanRules
import KafkaIO
import LiveView
import Aggregates

/// One generated Kafka record and what the processor must make of it.
public struct GeneratedEvent: Sendable, Equatable {
    /// The record value: one compact JSON event (spec v1 §2), or deliberately broken bytes.
    public var value: [UInt8]
    /// The record key: the event's `district` as written (ASCII bytes).
    public var key: [UInt8]
    /// What the generator made of the event.
    public var kind: LoadEventKind
    /// The intended verdict (spec v1 §5).
    public var verdict: Verdict { kind.verdict }
    /// For `malformed`, the intended reason; `nil` otherwise.
    public var reason: MalformedReason? { kind.reason }
    /// Whether the event counts in a (scenario, district) cell (spec v1 §5, last paragraph).
    public var attributed: Bool
    /// The event's `scanned_at` in **milliseconds** since the epoch (as written, or as
    /// intended for values that do not parse).
    public var scannedAtMs: Int64

    /// Memberwise initialiser.
    public init(value: [UInt8], key: [UInt8], kind: LoadEventKind, attributed: Bool, scannedAtMs: Int64) {
        self.value = value; self.key = key; self.kind = kind
        self.attributed = attributed; self.scannedAtMs = scannedAtMs
    }
}
