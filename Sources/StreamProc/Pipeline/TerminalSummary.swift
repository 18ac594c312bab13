import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation
import ServiceLifecycle

/// Prints a short summary to standard output every few seconds: events/s,
/// verdict shares, consumer lag, and the top districts and scenarios since start.
public struct TerminalSummary: Service {
    let live: LiveState
    let reference: ReferenceData
    /// Interval between summaries, seconds.
    let intervalS: Double

    public init(live: LiveState, reference: ReferenceData, intervalS: Double) {
        self.live = live
        self.reference = reference
        self.intervalS = intervalS
    }

    public func run() async throws {
        var previous = live.snapshot
        var previousMs = WallClock.nowMs()
        while !Task.isShuttingDownGracefully {
            // Ends at once on Ctrl-C: the shutdown lines ("draining…") follow without a pause.
            let ms = Int(intervalS * 1000)
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(ms)) } } catch { return }
            let now = WallClock.nowMs()
            let s = live.snapshot
            // The rate over the whole interval (events counted since the last line / its length).
            let rate = Double(s.totals.events &- previous.totals.events) / max(Double(now - previousMs) / 1000, 0.001)
            Console.line(Self.render(s, reference: reference, eventsPerSecond: rate))
            previous = s
            previousMs = now
        }
    }

    /// The summary text of one snapshot; `eventsPerSecond` is the rate over the summary's
    /// interval (default: the snapshot's last one-second rate).
    public static func render(_ s: LiveState.Snapshot, reference: ReferenceData, eventsPerSecond: Double? = nil) -> String {
        let t = s.totals
        let events = t.events
        let eps = max(0, eventsPerSecond ?? s.eventsPerSecondHistory.last ?? 0)
        let lag = s.partitions.compactMap(\.lag).reduce(0, +)
        let brokers = s.brokers.reachable == false ? "  BROKERS UNREACHABLE (\(s.brokers.reason ?? "?"))" : ""
        let store = s.storeAvailable ? "" : "  STORE UNAVAILABLE"
        var out = "── streamproc  \(Self.int(events)) events  \(Self.int(UInt64(eps.rounded()))) ev/s  lag \(lag)  late \(t.late)  unattributed \(t.unattributed.reduce(0, +))\(brokers)\(store)\n"
        let shares = Verdict.allCases.filter { t.verdicts[Int($0.rawValue)] > 0 }.map { v in
            "\(v.name) \(String(format: "%.1f%%", 100 * Double(t.verdicts[Int(v.rawValue)]) / Double(max(events, 1))))"
        }
        out += "   verdicts: " + (shares.isEmpty ? "—" : shares.joined(separator: "  ")) + "\n"
        out += "   top districts: " + top(t.byDistrict, 5) { i in
            i < reference.districts.count ? "\(reference.districts[i].nameZh) \(reference.districts[i].nameEn)" : "#\(i)"
        } + "\n"
        out += "   top scenarios: " + top(t.byScenario, 5) { i in
            i < reference.scenarios.count ? reference.scenarios[i].id : "#\(i)"
        }
        return out
    }

    private static func top(_ counts: [UInt64], _ n: Int, name: (Int) -> String) -> String {
        let best = counts.indices.filter { counts[$0] > 0 }.sorted { counts[$0] > counts[$1] }.prefix(n)
        return best.isEmpty ? "—" : best.map { "\(name($0)) \(int(counts[$0]))" }.joined(separator: ", ")
    }

    private static func int(_ n: UInt64) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
