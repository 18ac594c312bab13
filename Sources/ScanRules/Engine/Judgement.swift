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
    /// The event's bounded time `min(scanned_at, exp × 1000 + skew)` in ms (spec §7, revised
    /// 2026-12-01): how far this event may move its partition's event time. Set only when the
    /// signature verified (`valid`, `duplicate`, `expired`, `not_yet_valid`); `nil` otherwise.
    public var boundedTimeMs: Int64? = nil

    /// - Parameters: see the properties.
    public init(verdict: Verdict, reason: MalformedReason?, attribution: Attribution?, eventID: String?,
                boundedTimeMs: Int64? = nil) {
        self.verdict = verdict
        self.reason = reason
        self.attribution = attribution
        self.eventID = eventID
        self.boundedTimeMs = boundedTimeMs
    }

    /// A judgement for a malformed value.
    public static func malformed(_ reason: MalformedReason, _ attribution: Attribution?) -> Judgement {
        Judgement(verdict: .malformed, reason: reason, attribution: attribution, eventID: nil)
    }
}
