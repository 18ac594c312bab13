import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bench aggregate-speed [--json]`: speed and size of one partition's window counters
/// (v1 tables, 20 × 41 × 8 cells). Release builds only. Each figure is the median of 5 runs.
struct AggregateSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate-speed",
        abstract: "In-window updates/s, 24 h view latency, per-partition memory and snapshot size.")

    @Flag(help: "Print one JSON line {updates_per_s, query_24h_us, bytes_per_partition, snapshot_bytes, open_state_bytes}.")
    var json = false

    @Option(help: "Updates per run for the update-rate figure.")
    var updates = 50_000_000

    static let config = WindowConfiguration(scenarioCount: 20, districtCount: 41)
    static let t0: Int64 = 1_795_219_200_000  // a minute boundary

    struct Rng {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One event batch: random cells, 90 % valid, event times spread over 3 open minutes.
    struct Batch {
        var s: [Int] = [], d: [Int] = [], v: [Verdict] = [], t: [Int64] = []
        init(count: Int, seed: UInt64, minuteMs: Int64, spreadMs: Int64) {
            var r = Rng(s: seed)
            for _ in 0..<count {
                s.append(Int(r.next() % 20)); d.append(Int(r.next() % 41))
                v.append(r.next() % 10 == 0 ? Verdict(rawValue: UInt8(r.next() % 8))! : .valid)
                t.append(minuteMs + Int64(r.next() % UInt64(spreadMs)))
            }
        }
    }

    /// Updates per second: `n` records into open panes (no closing inside the timed loop),
    /// timed by the thread's CPU clock (the build machine is shared) and by the wall clock.
    static func updateRate(_ n: Int) -> (cpu: Double, wall: Double) {
        let batch = Batch(count: 4096, seed: 1, minuteMs: t0, spreadMs: 3 * 60_000)
        let s = UnsafeMutablePointer<Int>.allocate(capacity: 4096), d = UnsafeMutablePointer<Int>.allocate(capacity: 4096)
        let v = UnsafeMutablePointer<Verdict>.allocate(capacity: 4096), t = UnsafeMutablePointer<Int64>.allocate(capacity: 4096)
        defer { s.deallocate(); d.deallocate(); v.deallocate(); t.deallocate() }
        for i in 0..<4096 { s[i] = batch.s[i]; d[i] = batch.d[i]; v[i] = batch.v[i]; t[i] = batch.t[i] }
        var w = PartitionWindows(configuration: config)
        var counted = 0
        let clock = ContinuousClock()
        let start = clock.now, cpu0 = threadCPUSeconds()
        var i = 0
        for _ in 0..<n {
            if case .counted = w.record(scenario: s[i], district: d[i], verdict: v[i], eventTimeMs: t[i],
                                        boundedTimeMs: t[i], wallClockMs: t0) { counted &+= 1 }
            i = (i &+ 1) & 4095
        }
        let cpu = threadCPUSeconds() - cpu0
        let elapsed = clock.now - start
        precondition(counted == n, "bench: every update must be counted in-window")
        return (Double(n) / cpu, Double(n) / seconds(elapsed))
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// A partition holding 25 h of closed minutes (every view full), `perMinute` events a minute.
    static func fullDay(perMinute: Int) -> PartitionWindows {
        var w = PartitionWindows(configuration: config)
        for minute in 0..<(25 * 60) {
            let base = t0 + Int64(minute) * 60_000
            let b = Batch(count: perMinute, seed: UInt64(minute) + 7, minuteMs: base, spreadMs: 60_000)
            for i in 0..<perMinute {
                _ = w.record(scenario: b.s[i], district: b.d[i], verdict: b.v[i], eventTimeMs: b.t[i],
                             boundedTimeMs: b.t[i], wallClockMs: base)
            }
            // A verified event 2 min + 1 s later moves the watermark past this minute's end.
            _ = w.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: base + 180_001,
                         boundedTimeMs: base + 180_001, wallClockMs: base)
            _ = w.advance(wallClockMs: base, caughtUp: false)
        }
        return w
    }

    /// A live partition at 2 000 events/s over the 820 cells with 3 open minutes (the two
    /// minutes of allowed lateness plus the current one): its open-state snapshot is what an
    /// exactly-once commit writes every second.
    static func liveOpenState() -> PartitionWindows {
        var w = PartitionWindows(configuration: config)
        // Minutes 0-3 full, minute 4 half: the watermark (≈ 4 min 30 s − 2 min) has closed
        // minutes 0 and 1; minutes 2, 3 (full) and 4 (half) are open.
        for minute in 0..<5 {
            let base = t0 + Int64(minute) * 60_000
            let spread: Int64 = minute == 4 ? 30_000 : 60_000
            let n = Int(spread / 1_000) * 2_000
            let b = Batch(count: n, seed: UInt64(minute) + 99, minuteMs: base, spreadMs: spread)
            for i in 0..<n {
                let t = b.t[i]
                _ = w.record(scenario: b.s[i], district: b.d[i], verdict: b.v[i], eventTimeMs: t,
                             boundedTimeMs: t, wallClockMs: t)
                if i % 2_000 == 1_999 { _ = w.advance(wallClockMs: t, caughtUp: true) }
            }
        }
        return w
    }

    /// Microseconds to answer the 24 h view: copy the running total and sum the 8 verdicts of
    /// each of the 820 scenario × district cells.
    static func query24h(_ w: PartitionWindows) -> Double {
        let reps = 20_000
        var sink: UInt64 = 0
        var totals = [UInt64](repeating: 0, count: 820)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<reps {
            let view = w.view(.twentyFourHours)
            view.counts.withUnsafeBufferPointer { c in
                for cell in 0..<820 {
                    var s: UInt64 = 0
                    for v in 0..<8 { s &+= UInt64(c[cell &* 8 &+ v]) }
                    totals[cell] = s
                }
            }
            sink &+= totals[Int(sink % 820)]
        }
        let elapsed = clock.now - start
        precondition(sink != 0, "bench: the 24 h view must not be empty")
        return seconds(elapsed) / Double(reps) * 1e6
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    func run() throws {
        var rates: [Double] = [], wallRates: [Double] = [], queries: [Double] = []
        for _ in 0..<5 { let r = Self.updateRate(updates); rates.append(r.cpu); wallRates.append(r.wall) }
        let day = Self.fullDay(perMinute: 5_000)
        for _ in 0..<5 { queries.append(Self.query24h(day)) }
        let bytes = day.allocatedBytes
        let snap = day.snapshot().count
        let live = Self.liveOpenState()
        let openState = live.openStateSnapshot().count
        let rate = Self.median(rates), q = Self.median(queries)
        if json {
            print("{\"updates_per_s\":\(Int(rate)),\"query_24h_us\":\((q * 100).rounded() / 100),\"bytes_per_partition\":\(bytes),\"snapshot_bytes\":\(snap),\"open_state_bytes\":\(openState)}")
        } else {
            print("aggregate-speed (median of 5 runs, one core, tables 20 x 41 x 8)")
            print("  in-window updates/s : \(Int(rate)) per CPU-second (wall clock: \(Int(Self.median(wallRates))))   (goal >= 50 000 000)")
            print("  24 h view, 820 cells: \(q) us   (goal <= 50)")
            print("  bytes per partition : \(bytes)   (goal <= 4 MiB = 4194304)")
            print("  snapshot bytes      : \(snap)   (25 h at 5 000 events/min)")
            print("  open-state bytes    : \(openState)   (2 000 events/s, \(live.openPaneCount) open minutes)")
        }
    }
}
