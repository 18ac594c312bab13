import ScanRules
import Aggregates

/// One event as planned (sequentially, from the seed) before it is signed and
/// assembled (possibly on another core). Internal to the load generator.
struct LoadEventPlan: Sendable {
    /// Where a resend copies its bytes from.
    enum Source: Sendable {
        /// Event `i` of the current batch.
        case batch(Int)
        /// Entry `i` of the generator's ring of recent valid events.
        case ring(Int)
    }

    var kind: LoadEventKind
    /// Kind-specific variant (which field is missing, which code defect, …).
    var variant: Int = 0
    /// Value bytes before the code text (ending in `"code":"`), or the whole value when `hasCode` is false.
    var head: [UInt8] = []
    /// Value bytes after the code text.
    var tail: [UInt8] = []
    var hasCode = true
    /// The signed payload bytes (spec v1 §3).
    var payload: [UInt8] = []
    /// Offset of the first hex digit of `sub` in `payload` (for tampering).
    var subOffset = 0
    /// Index of the signing key in ``LoadKeyRing/keys``.
    var keyIndex = 0
    var recordKey: [UInt8] = []
    var attributed = true
    var scannedAtMs: Int64 = 0
    /// The code's `iat`, seconds.
    var iatS: Int64 = 0
    /// For ``LoadEventKind/badJSON``: the cut position as a fraction of the value (0…1).
    var cutFraction = 0.5
    var duplicateOf: Source?
}
