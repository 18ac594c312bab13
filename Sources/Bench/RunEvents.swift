import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import StreamProc
import Synchronization

/// Pre-signs one step's events for `bench run` with ``LoadGenerator`` (all cores),
/// event time starting at the planned step start so `scanned_at` (and the codes'
/// iat/exp, 60 s lifetimes) track the wall clock at which the events are offered.
///
/// The generator spaces event times by its diurnal curve around the configured rate;
/// the offer is steady, so each step first measures the curve's factor at the step
/// start with a 1000-event probe (no invalid events, no disorder: the span of its
/// `scanned_at` values) and configures `rate / factor`, keeping event time within a
/// few per cent of the offered schedule.
///
/// All generators share one seed, hence one key registry (deterministic keys); each
/// step's event ids get their own prefix (derived from seed and start time).
struct RunEvents: Sendable {
    let seed: UInt64
    let mix: LoadAlgorithmMix

    /// `count` signed events offered at `rate` events/s from `startMs` (epoch **ms**).
    func make(rate: Double, count: Int, startMs: Int64) async -> [GeneratedEvent] {
        let factor = await diurnalFactor(atMs: startMs)
        guard var generator = try? LoadGenerator(WorkloadConfiguration(
            seed: seed, mix: mix, startMs: startMs, ratePerSecond: max(rate / factor, 0.001))) else { return [] }
        return await generator.generate(count: count)
    }

    /// The generator's rate factor at `ms`, measured (clamped to 0.02…50).
    private func diurnalFactor(atMs ms: Int64) async -> Double {
        guard var probe = try? LoadGenerator(WorkloadConfiguration(
            seed: seed ^ 0x5052_4F42_45, invalidShare: 0, duplicateShare: 0, disorderMs: 0, mix: mix,
            startMs: ms, ratePerSecond: 1_000)) else { return 1 }
        let events = await probe.generate(count: 1_000)
        guard let last = events.last?.scannedAtMs, last > ms else { return 1 }
        // 1000 events at 1000/s × factor span 1000 / factor ms.
        return min(50, max(0.02, 1_000 / Double(last - ms)))
    }
}

/// A one-way flag set from another task.
final class RunFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
