import Aggregates
/// The body of `GET /readyz`: whether the processor should receive traffic now
/// (Kubernetes-style readiness), with the failing checks.
///
/// JSON: `{"ready":false,"reasons":["broker unreachable: connection refused","no partitions assigned"]}`.
/// The server answers 200 when ``ready`` is true, 503 otherwise (issue 12 item 5).
/// ``ready`` is true exactly when ``reasons`` is empty.
public struct Readiness: Codable, Sendable, Equatable {
    /// True when no check fails.
    public var ready: Bool
    /// One human-readable line per failing check, in the order they were checked;
    /// empty when ``ready``. Use the helpers below for the standard wordings.
    public var reasons: [String]

    /// Readiness from the failing checks: ready exactly when `reasons` is empty.
    public init(reasons: [String]) {
        self.ready = reasons.isEmpty
        self.reasons = reasons
    }

    /// Ready, no failing check.
    public static let ready = Readiness(reasons: [])

    /// `"broker unreachable: <detail>"` (the Kafka client's last error).
    public static func brokerUnreachable(_ detail: String) -> String { "broker unreachable: \(detail)" }

    /// `"state store unavailable: <detail>"` (the store's last error).
    public static func storeUnavailable(_ detail: String) -> String { "state store unavailable: \(detail)" }

    /// `"stalled: no progress for N s with lag L"`: the consumer has lag but has not
    /// advanced for `seconds` seconds (whole seconds, rounded down; lag in records).
    public static func stalled(noProgressForS seconds: Int64, lag: Int64) -> String {
        "stalled: no progress for \(seconds) s with lag \(lag)"
    }

    /// `"no partitions assigned"`: the consumer group gave this member nothing (yet).
    public static let noPartitionsAssigned = "no partitions assigned"
}
