import ScanRules
import KafkaIO
import LiveView
import Aggregates

/// The pipeline's answer to the HTTP server (``LiveViewSource``): merged
/// rolling views from the latest ``LiveState`` snapshot, with names from the
/// reference data.
public struct PipelineLiveView: LiveViewSource {
    let live: LiveState
    let reference: ReferenceData

    public init(live: LiveState, reference: ReferenceData) {
        self.live = live
        self.reference = reference
    }

    /// The live state's publication number: `/api/v1/counts` bodies are cached until it changes.
    public func countsPublication() -> UInt64? { live.snapshot.sequence }

    public func counts(view: ViewWindow, by: Grouping) async -> CountsResponse {
        let s = live.snapshot
        let index = view.rollingView.rawValue
        let counts = s.views.indices.contains(index) ? s.views[index]
            : ViewCounts(scenarioCount: reference.scenarios.count, districtCount: reference.districts.count)
        var rows: [CountsRow] = []
        func perVerdict(_ sc: Range<Int>, _ di: Range<Int>, in c: ViewCounts? = nil) -> PerVerdict<UInt64> {
            let c = c ?? counts
            var p = PerVerdict<UInt64>()
            for s in sc { for d in di { for v in Verdict.allCases {
                p[v] += UInt64(c.count(scenario: s, district: d, verdict: v))
            } } }
            return p
        }
        // Live means live: open panes as a separate, provisional part of each row (spec §7).
        func provisional(_ sc: Range<Int>, _ di: Range<Int>) -> ProvisionalCounts? {
            guard let open = s.provisional else { return nil }
            let p = perVerdict(sc, di, in: open)
            return p.total > 0 ? ProvisionalCounts(byVerdict: p) : nil
        }
        let allS = 0..<counts.scenarioCount, allD = 0..<counts.districtCount
        switch by {
        case .scenario:
            for (i, sc) in reference.scenarios.enumerated() {
                var row = CountsRow(scenario: sc.id, nameZh: sc.nameZh, nameEn: sc.nameEn,
                                    byVerdict: perVerdict(i..<i + 1, allD))
                row.provisional = provisional(i..<i + 1, allD)
                rows.append(row)
            }
        case .district:
            for (i, d) in reference.districts.enumerated() {
                var row = CountsRow(district: d.code, nameZh: d.nameZh, nameEn: d.nameEn,
                                    byVerdict: perVerdict(allS, i..<i + 1))
                row.provisional = provisional(allS, i..<i + 1)
                rows.append(row)
            }
        case .cell:
            for (i, sc) in reference.scenarios.enumerated() {
                for (j, d) in reference.districts.enumerated() {
                    let p = perVerdict(i..<i + 1, j..<j + 1)
                    let open = provisional(i..<i + 1, j..<j + 1)
                    if p.total > 0 || open != nil {
                        var row = CountsRow(scenario: sc.id, district: d.code, byVerdict: p)
                        row.provisional = open
                        rows.append(row)
                    }
                }
            }
        }
        var response = CountsResponse(view: view, by: by, asOfMs: s.viewEdgeMs ?? 0, rows: rows)
        response.provisionalEdgeMs = s.provisionalEdgeMs
        return response
    }

    public func status() async -> StatusResponse {
        let s = live.snapshot
        let t = s.totals
        var response = StatusResponse(
            startedAtMs: live.startedAtMs, nowMs: WallClock.nowMs(), eventsTotal: t.events, lateTotal: t.late,
            unattributedTotal: t.unattributed.reduce(0, +), eventsPerSecond: s.eventsPerSecondHistory.last ?? 0,
            verdictTotals: PerVerdict(t.verdicts), verdictPerSecond: PerVerdict(s.verdictPerSecond),
            eventsPerSecondHistory: s.eventsPerSecondHistory,
            partitions: s.partitions.map {
                PartitionStatus(topic: $0.topic, partition: $0.partition, committedOffset: $0.committableOffset,
                                position: $0.nextOffset, lag: $0.lag, watermarkMs: $0.watermarkMs)
            })
        response.brokers = BrokerStatus(reachable: s.brokers.reachable, reason: s.brokers.reason,
                                        sinceMs: s.brokers.sinceMs > 0 ? s.brokers.sinceMs : nil)
        response.store = StoreStatus(available: s.storeAvailable, problem: s.storeProblem)
        return response
    }
}

/// `GET /readyz` (issue 12): ready when the brokers are reachable, the state store answers,
/// the consumer group has given this member an assignment (possibly empty: then it is
/// legitimately idle, e.g. more members than partitions), and partitions with lag make
/// progress.
extension PipelineLiveView: ReadinessSource {
    /// How long partitions with lag may go without progress before the instance is "stalled", ms.
    static let stallAfterMs: Int64 = 60_000

    public func readiness() async -> Readiness {
        let s = live.snapshot
        var reasons: [String] = []
        if s.brokers.reachable == false {
            reasons.append(Readiness.brokerUnreachable(s.brokers.reason ?? "no broker up"))
        }
        if !s.storeAvailable { reasons.append(Readiness.storeUnavailable(s.storeProblem ?? "unknown error")) }
        if !s.joinedGroup {
            reasons.append(s.brokers.reachable == true ? Readiness.noPartitionsAssigned
                           : Readiness.brokerUnreachable(s.brokers.reason ?? "not connected yet"))
        }
        let lag = s.partitions.reduce(Int64(0)) { $0 + ($1.lag ?? 0) }
        let since = max(s.lastProgressMs, live.startedAtMs)
        let idleMs = WallClock.nowMs() - since
        if lag > 0 && idleMs > Self.stallAfterMs {
            reasons.append(Readiness.stalled(noProgressForS: idleMs / 1000, lag: lag))
        }
        // One reason once: an unreachable broker may be named by two checks.
        var seen = Set<String>()
        return Readiness(reasons: reasons.filter { seen.insert($0).inserted })
    }
}
