import Aggregates
/// What `GET /readyz` asks: the pipeline's readiness checks (issue 12 item 5).
///
/// Called from HTTP request handlers (probes, every few seconds), concurrently
/// with each other and with the pipeline; keep it cheap and non-blocking (read
/// published state, do not contact the broker or the store from here).
public protocol ReadinessSource: Sendable {
    /// The current readiness: ``Readiness/ready`` or the failing checks, e.g.
    /// `Readiness(reasons: [Readiness.storeUnavailable("connection refused")])`.
    func readiness() async -> Readiness
}

/// A ``ReadinessSource`` that is always ready: for demo and test servers without a pipeline.
public struct AlwaysReady: ReadinessSource {
    public init() {}
    public func readiness() async -> Readiness { .ready }
}
