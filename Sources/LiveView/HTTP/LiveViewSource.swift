import Aggregates
/// The seam between the HTTP server and the pipeline: what the server asks,
/// the pipeline answers. The pipeline's implementation reads its window
/// counters (spec v1 §7) and consumer state; it fills reference names
/// (`name_zh`, `name_en`) from the loaded `scenarios.csv` / `districts.csv`.
///
/// Called from HTTP request handlers; calls may run concurrently with each
/// other and with the pipeline.
public protocol LiveViewSource: Sendable {
    /// Per-verdict counts over the rolling `view`, grouped `by` scenario,
    /// district or cell. See ``CountsResponse`` for the row shapes.
    func counts(view: ViewWindow, by: Grouping) async -> CountsResponse

    /// Consumer progress, throughput and totals since start.
    func status() async -> StatusResponse

    /// A number that changes whenever what ``counts(view:by:)`` returns may have
    /// changed (e.g. a publication counter, or the publication time in ms), or
    /// `nil` for "unknown, do not cache" (the default).
    ///
    /// The server caches each encoded `/api/v1/counts` body per `(view, by)` and
    /// computes it again only when this value differs from the one the cached body
    /// was made under (``CountsCache``). Read before the counts: the server calls
    /// this first, then ``counts(view:by:)``, so a body is never older than its key.
    /// Must be cheap (a lock and a load) and non-blocking.
    func countsPublication() -> UInt64?
}

extension LiveViewSource {
    /// No publication counter: every `/api/v1/counts` request computes its body.
    public func countsPublication() -> UInt64? { nil }
}
