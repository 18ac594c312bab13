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

    /// - Parameters:
    ///   - engine: the verdict engine.
    ///   - workers: chunks per batch; default: active processor count.
    ///   - minimumParallelBatch: below this many values, judge on the caller's task.
    public init(engine: VerdictEngine, workers: Int = ProcessInfo.processInfo.activeProcessorCount, minimumParallelBatch: Int = 16) {
        self.engine = engine
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
            return ParallelJudge.judge(engine, values, 0..<n, nowMs: nowMs, timing: &timing)
        }
        let chunks = max(1, min(workers * Self.chunksPerWorker, n / minimumParallelBatch))
        let chunk = (n + chunks - 1) / chunks
        let engine = self.engine
        return await withTaskGroup(of: (Int, [Judgement], JudgeTiming).self) { group in
            var start = 0
            var index = 0
            while start < n {
                let range = start..<min(n, start + chunk)
                let i = index
                group.addTask {
                    var t = JudgeTiming()
                    let part = ParallelJudge.judge(engine, values, range, nowMs: nowMs, timing: &t)
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

    private static func judge<V: RecordValues>(_ engine: VerdictEngine, _ values: V, _ range: Range<Int>,
                                               nowMs: Int64, timing: inout JudgeTiming) -> [Judgement] {
        var out: [Judgement] = []
        out.reserveCapacity(range.count)
        for i in range {
            out.append(values.withValue(at: i) { engine.judge($0, nowMs: nowMs, timing: &timing) })
        }
        return out
    }
}
