import Dispatch
import Logging
import ServiceLifecycle
import LiveView
import StateStore
import Synchronization

/// The pipeline's calls to its ``StateStore``: transient failures (``StoreError/unavailable(_:)``,
/// e.g. PostgreSQL restarting) are retried with exponential backoff (100 ms doubling to 5 s)
/// while the loop waits — so it stops fetching and committing, and memory stays bounded by
/// the consumer's buffer — logging once every 10 s and publishing the store's state in the
/// live view (`/api/v1/status`). Permanent errors are thrown. Graceful shutdown ends the wait
/// with the last error.
///
/// Threading: used by the loop task and by the commit task it runs beside itself (one at a
/// time in practice); the up/down bookkeeping is behind a mutex.
final class StoreAccess: Sendable {
    let store: any StateStore
    let live: LiveState
    let metrics: StreamProcMetrics?
    let logger: Logger
    /// Whether the last call failed transiently, and when the outage was last logged (uptime ns).
    private let health = Mutex((down: false, lastLogNs: UInt64(0)))

    init(store: any StateStore, live: LiveState, metrics: StreamProcMetrics?, logger: Logger) {
        self.store = store
        self.live = live
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs `body` until it succeeds or fails permanently.
    /// - Parameter giveUp: transient errors to throw at once instead of retrying (the startup
    ///   migration gives up on a refused login, ``StoreError/isRefusedLogin``).
    /// - Throws: the first non-transient error (or one `giveUp` accepts), or the last transient
    ///   one on graceful shutdown (then not logged as "retrying": the caller reports it).
    func retrying<T: Sendable>(_ what: String, giveUp: (StoreError) -> Bool = { _ in false },
                               _ body: () async throws -> T) async throws -> T {
        var delayMs: UInt64 = 100
        while true {
            do {
                let value = try await body()
                let wasDown = health.withLock { h in
                    defer { h.down = false }
                    return h.down
                }
                if wasDown {
                    live.setStoreState(available: true, reason: nil)
                    metrics?.storeUp.set(Int64(1))
                    logger.notice("state store reachable again", metadata: ["operation": "\(what)"])
                }
                return value
            } catch let error as StoreError where error.isTransient {
                if giveUp(error) || Task.isShuttingDownGracefully || Task.isCancelled { throw error }
                let now = DispatchTime.now().uptimeNanoseconds
                let (wasDown, log) = health.withLock { h in
                    defer { h.down = true }
                    let log = !h.down || now &- h.lastLogNs >= 10_000_000_000
                    if log { h.lastLogNs = now }
                    return (h.down, log)
                }
                if !wasDown {
                    live.setStoreState(available: false, reason: "\(error)")
                    metrics?.storeUp.set(Int64(0))
                }
                if log {
                    logger.error("state store unavailable: not fetching or committing until it is back; retrying",
                                 metadata: ["operation": "\(what)", "error": "\(error)"])
                }
                try? await Task.sleep(for: .milliseconds(delayMs))
                delayMs = min(delayMs * 2, 5_000)
            }
        }
    }
}
