import Aggregates
import NIOCore
import Synchronization

/// Encoded `/api/v1/counts` bodies, one per `(view, by)`, each computed once per
/// publication of the source (issue 12: the view=24h&by=cell body sums 1,440 panes × 820
/// cells; requests between two publications share one computation).
///
/// Keyed by ``LiveViewSource/countsPublication()``: a request whose publication equals
/// the cached one gets the cached bytes; otherwise it starts one computation (a task)
/// that every concurrent request for the same key and publication awaits (no stampede
/// after a publish). A source without a publication (`nil`) is never cached.
///
/// Thread-safe (a `Mutex` around the table); the computation runs outside the lock.
public final class CountsCache: Sendable {
    private struct Key: Hashable {
        var view: ViewWindow
        var by: Grouping
    }

    private struct Entry {
        var publication: UInt64
        var body: Task<ByteBuffer, Never>
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let computed = Atomic<Int>(0)

    public init() {}

    /// How many bodies were computed (cache misses plus uncached requests) so far.
    public var computations: Int { computed.load(ordering: .relaxed) }

    /// The JSON body of `GET /api/v1/counts?view=&by=` (sorted keys, as ``LiveViewServer``
    /// encodes it), from the cache when `source`'s publication has not changed.
    public func body(view: ViewWindow, by: Grouping, source: some LiveViewSource) async -> ByteBuffer {
        let compute: @Sendable () async -> ByteBuffer = { [self] in
            computed.add(1, ordering: .relaxed)
            return LiveViewServer.encode(await source.counts(view: view, by: by))
        }
        guard let publication = source.countsPublication() else { return await compute() }
        let key = Key(view: view, by: by)
        let task = entries.withLock { table -> Task<ByteBuffer, Never> in
            if let e = table[key], e.publication == publication { return e.body }
            let t = Task { await compute() }
            table[key] = Entry(publication: publication, body: t)
            return t
        }
        return await task.value
    }
}
