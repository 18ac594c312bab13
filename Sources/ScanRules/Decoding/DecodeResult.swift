import Aggregates

/// The decoder's outcome for one Kafka record value.
public enum DecodeResult: Sendable {
    /// Well-formed; later rules (spec v1 §5 rules 1 (signature form) to 8) are up to the engine.
    case event(ScanEvent)
    /// `malformed` with its reason; `attribution` is nil when the event counts as `unattributed`.
    case malformed(MalformedReason, attribution: Attribution?)
}
