import Aggregates

/// The outcome of judging one record value against spec v1 §5.
///
/// Produced in two steps: ``VerdictEngine/judge(_:nowMs:)`` decides rules 1–6
/// and is stateless (it runs on any core); ``DuplicateFilter`` then decides
/// rule 7 in partition order and may turn a `valid` into a `duplicate`.
public struct Judgement: Sendable {
    /// The verdict (first failing rule of spec §5).
    public var verdict: Verdict
    /// Why the event is `malformed`; `nil` for every other verdict.
    public var reason: MalformedReason?
    /// The cell the event is counted in; `nil` for unattributed malformed events (spec §5).
    public var attribution: Attribution?
    /// The event id, for rule 7; set only when the signature verified.
    public var eventID: String?

    /// A judgement for a malformed value.
    public static func malformed(_ reason: MalformedReason, _ attribution: Attribution?) -> Judgement {
        Judgement(verdict: .malformed, reason: reason, attribution: attribution, eventID: nil)
    }
}
