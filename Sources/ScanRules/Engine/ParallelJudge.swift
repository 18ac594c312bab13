import Foundation

/// Judges a batch of record values on all cores and returns the judgements
/// in the batch's order.
///
/// The batch is cut into contiguous chunks, up to ``chunksPerWorker`` per worker
/// (`workers`, default the number of active processors) and at least
/// `minimumParallelBatch` values each; each chunk is judged in a child task and
/// the results are stitched back in order, so per-partition order is kept for
/// what follows (rule 7, window state, offsets). Several chunks per worker keep
/// the cores even when the chunks cost unequally (an Ed25519 verification costs
/// about five SM2 ones): a core that finishes early takes the next chunk.
/// Judging is pure CPU work (no blocking calls), which is what Swift's
/// cooperative pool is for.
public struct ParallelJudge: Sendable {
    /// The stateless engine (rules 1–6).
    public let engine: VerdictEngine
    /// Number of chunks a batch is cut into; 1 judges inline.
    public let workers: Int
    /// Batches smaller than this are judged inline (no task overhead); no chunk is smaller.
    public let minimumParallelBatch: Int
    /// Chunks per worker for a large batch.
    public static let chunksPerWorker = 4
    /// Whether a chunk's signatures are verified grouped by key (the default, for cache
    /// locality) or each right after its value is decoded (`bench judge-speed` compares both).
    public let groupByKey: Bool

    /// - Parameters:
    ///   - engine: the verdict engine.
    ///   - workers: chunks per batch; default: active processor count.
    ///   - minimumParallelBatch: below this many values, judge on the caller's task.
    ///   - groupByKey: see ``groupByKey``.
    public init(engine: VerdictEngine, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                minimumParallelBatch: Int = 16, groupByKey: Bool = true) {
        self.engine = engine
        self.groupByKey = groupByKey
        self.workers = max(1, workers)
        self.minimumParallelBatch = minimumParallelBatch
    }

    /// Judges every value of `values`.
    /// - Parameters:
    ///   - values: the batch.
    ///   - nowMs: the wall clock, milliseconds since the epoch, for `clock_ahead`.
    /// - Returns: one judgement per value, in order.
    public func judge<V: RecordValues>(_ values: V, nowMs: Int64) async -> [Judgement] {
        var timing = JudgeTiming()
        return await judge(values, nowMs: nowMs, timing: &timing)
    }

    /// ``judge(_:nowMs:)`` that adds every worker's decode and verify time to `timing`.
    public func judge<V: RecordValues>(_ values: V, nowMs: Int64, timing: inout JudgeTiming) async -> [Judgement] {
        let n = values.count
        if workers == 1 || n < minimumParallelBatch {
            return ParallelJudge.judge(engine, values, 0..<n, nowMs: nowMs, groupByKey: groupByKey, timing: &timing)
        }
        let chunks = max(1, min(workers * Self.chunksPerWorker, n / minimumParallelBatch))
        let chunk = (n + chunks - 1) / chunks
        let engine = self.engine, groupByKey = self.groupByKey
        return await withTaskGroup(of: (Int, [Judgement], JudgeTiming).self) { group in
            var start = 0
            var index = 0
            while start < n {
                let range = start..<min(n, start + chunk)
                let i = index
                group.addTask {
                    var t = JudgeTiming()
                    let part = ParallelJudge.judge(engine, values, range, nowMs: nowMs, groupByKey: groupByKey, timing: &t)
                    return (i, part, t)
                }
                start += chunk
                index += 1
            }
            var parts = [[Judgement]](repeating: [], count: index)
            for await (i, part, t) in group {
                parts[i] = part
                timing.add(t)
            }
            var out: [Judgement] = []
            out.reserveCapacity(n)
            for p in parts { out.append(contentsOf: p) }
            return out
        }
    }

    /// Judges `values[range]` in two passes: first every value is decoded and the rules before
    /// the signature are decided (``VerdictEngine/prepare(_:nowMs:timing:)``); then the
    /// signatures still to check are verified grouped by key, so one key's precomputed tables
    /// (an SM2 key's is 804 KiB) and one algorithm's code stay in the core's caches for a run of
    /// events instead of alternating with every event. Each judgement keeps its value's index.
    static func judge<V: RecordValues>(_ engine: VerdictEngine, _ values: V, _ range: Range<Int>,
                                       nowMs: Int64, groupByKey: Bool, timing: inout JudgeTiming) -> [Judgement] {
        guard groupByKey else {
            return range.map { i in values.withValue(at: i) { engine.judge($0, nowMs: nowMs, timing: &timing) } }
        }
        var out: [Judgement] = []
        out.reserveCapacity(range.count)
        var pending: [(index: Int, signature: PendingSignature)] = []
        for i in range {
            switch values.withValue(at: i, { engine.prepare($0, nowMs: nowMs, timing: &timing) }) {
            case .decided(let j):
                out.append(j)
            case .needsSignature(let p):
                pending.append((out.count, p))
                out.append(Self.placeholder)
            }
        }
        if pending.count > 1 {
            // Few keys: group by the key object's identity (the order between keys is immaterial).
            pending.sort { ObjectIdentifier($0.signature.key) < ObjectIdentifier($1.signature.key) }
        }
        for p in pending {
            out[p.index] = engine.finish(p.signature, nowMs: nowMs, timing: &timing)
        }
        return out
    }

    /// Holds a slot until the signature pass fills it.
    private static let placeholder = Judgement(verdict: .malformed, reason: nil, attribution: nil, eventID: nil)
}
