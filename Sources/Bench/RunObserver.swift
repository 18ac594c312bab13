import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation
import Histogram
import StreamProc
import Synchronization

/// `bench run`'s latency probe on the pipeline: counts every record of every counted
/// batch and, inside a measurement window, records produce-to-counted latency in an
/// HdrHistogram (**microseconds**; 3 significant digits, up to 10 min).
///
/// Latency = wall clock (µs) when the pipeline finished counting the batch − the
/// record's Kafka timestamp (CreateTime, set by the producer at enqueue, **ms**
/// resolution): the truncated timestamp overstates each latency by 0–1 ms.
final class RunObserver: PipelineObserver {
    private struct State {
        var counted: UInt64 = 0
        var recording = false
        var windowCount: UInt64 = 0
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000,
                                          numberOfSignificantValueDigits: .three)
        /// Produce-to-fetched part of the same latencies (``KafkaBatch/fetchedAtUs``), µs.
        var fetched = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000,
                                        numberOfSignificantValueDigits: .three)
    }

    private let state = Mutex(State())

    /// Records counted since start (all verdicts).
    var counted: UInt64 { state.withLock { $0.counted } }

    func batchCounted(_ batch: KafkaBatch, judgements: [Judgement], atNs: UInt64) {
        let nowUs = Int64((Date().timeIntervalSince1970 * 1e6).rounded(.down))
        state.withLock { s in
            s.counted += UInt64(batch.count)
            guard s.recording else { return }
            s.windowCount += UInt64(batch.count)
            let fetchedUs = batch.fetchedAtUs
            for i in batch.indices {
                let producedUs = batch[i].timestampMs * 1000
                _ = s.histogram.record(UInt64(clamping: max(nowUs - producedUs, 0)))
                _ = s.fetched.record(UInt64(clamping: max(fetchedUs - producedUs, 0)))
            }
        }
    }

    /// Starts a measurement window: clears the histogram and the window count.
    func beginWindow() {
        state.withLock { s in
            s.histogram.reset()
            s.fetched.reset()
            s.windowCount = 0
            s.recording = true
        }
    }

    /// Ends the window: events counted in it, their p50/p99/p99.9 produce-to-counted latency
    /// and the p99 of its produce-to-fetched part (broker, fetch and librdkafka's queue), all **ms**.
    func endWindow() -> (events: UInt64, p50Ms: Double, p99Ms: Double, p999Ms: Double, fetchedP99Ms: Double) {
        state.withLock { s in
            s.recording = false
            let h = s.histogram
            guard h.totalCount > 0 else { return (s.windowCount, 0, 0, 0, 0) }
            return (s.windowCount, Double(h.valueAtPercentile(50)) / 1000,
                    Double(h.valueAtPercentile(99)) / 1000, Double(h.valueAtPercentile(99.9)) / 1000,
                    Double(s.fetched.valueAtPercentile(99)) / 1000)
        }
    }
}
