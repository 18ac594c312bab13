/// The RSS curve of `bench soak`: every sample, and the least-squares slope of the
/// processor's RSS in MiB per hour over all samples and over the second half (after the
/// start-up growth: caches, the duplicate filter filling up to its horizon).
struct SoakReport {
    /// The samples, oldest first.
    let samples: [SoakSample]
    /// Offered rate of the producer child, events/s.
    let rate: Double
    /// How the rate was chosen (the `--rate` flag or the capacity estimate).
    let rateSource: String
    /// Soak length, minutes.
    let minutes: Double
    /// `memory` or `store`.
    let configuration: String
    /// Valid events per signed code of the producer (`--code-reuse`, 1 = every event signed).
    let codeReuse: Int
    /// CPU seconds of the producer and the mock broker children over the soak.
    let producerCPUS: Double, brokerCPUS: Double
    /// `uptime`'s load averages (1, 5, 15 min) at the start and at the end.
    let loadStart: String, loadEnd: String

    /// Least-squares slope of `(seconds, MiB)` points, **MiB per hour**; 0 for fewer than two points.
    static func slopeMiBPerHour(_ points: [(s: Double, mib: Double)]) -> Double {
        guard points.count >= 2 else { return 0 }
        let n = Double(points.count)
        let mx = points.reduce(0) { $0 + $1.s } / n
        let my = points.reduce(0) { $0 + $1.mib } / n
        let sxy = points.reduce(0) { $0 + ($1.s - mx) * ($1.mib - my) }
        let sxx = points.reduce(0) { $0 + ($1.s - mx) * ($1.s - mx) }
        return sxx > 0 ? sxy / sxx * 3600 : 0
    }

    /// RSS points of `samples`.
    private static func rss(_ samples: ArraySlice<SoakSample>) -> [(s: Double, mib: Double)] {
        samples.map { ($0.elapsedS, $0.rssMiB) }
    }

    /// Slope of the heap in use over the second half of the samples that have it, MiB/h.
    var heapSlopeSecondHalf: Double? {
        let heap = samples.compactMap { s in s.heapMiB.map { (s: s.elapsedS, mib: $0) } }
        guard heap.count >= 2 else { return nil }
        return Self.slopeMiBPerHour(Array(heap[(heap.count / 2)...]))
    }

    /// Slope over every sample, MiB/h.
    var slopeAll: Double { Self.slopeMiBPerHour(Self.rss(samples[...])) }
    /// Slope over the second half of the samples, MiB/h.
    var slopeSecondHalf: Double { Self.slopeMiBPerHour(Self.rss(samples[(samples.count / 2)...])) }
    /// Events per second over the whole soak (last sample's total / its time).
    var meanEventsPerS: Double { samples.last.map { $0.elapsedS > 0 ? Double($0.eventsTotal) / $0.elapsedS : 0 } ?? 0 }

    /// The human-readable curve and summary.
    func table() -> String {
        var out = "\nbench soak (\(configuration)): \(fmt(minutes, 1)) min at \(fmt(rate, 0)) events/s offered (\(rateSource)); "
            + "load average \(loadStart) at the start, \(loadEnd) at the end"
            + (codeReuse > 1 ? "; each signed code shown in up to \(codeReuse) valid events (every event verified)\n" : "\n")
        out += "RSS is the separate streamproc run process's VmRSS (not the bench process).\n\n"
        out += "      t s   RSS MiB  heap MiB   events/s   proc cores   load\n"
        for s in samples {
            out += pad(fmt(s.elapsedS, 0), 9) + pad(fmt(s.rssMiB, 1), 10) + pad(s.heapMiB.map { fmt($0, 1) } ?? "?", 10)
                + pad(fmt(s.eventsPerS, 0), 11)
                + pad(fmt(s.processorCores, 2), 13) + pad(fmt(s.load, 2), 7) + "\n"
        }
        out += "\nRSS slope: \(fmt(slopeAll, 1)) MiB/h over all samples, \(fmt(slopeSecondHalf, 1)) MiB/h over the second half; "
            + "RSS \(fmt(samples.first?.rssMiB ?? 0, 1)) → \(fmt(samples.last?.rssMiB ?? 0, 1)) MiB"
            + (heapSlopeSecondHalf.map { "; heap in use: \(fmt($0, 1)) MiB/h over the second half" } ?? "") + "\n"
        if minutes * 60 < 780 {
            out += "note: shorter than the default duplicate horizon plus lateness slack (600 s + 120 s): RSS still grows while the "
                + "filter fills, so these slopes are not leak rates; soak 15 minutes or more and read the second half\n"
        }
        out += "heap MiB = the processor's streamproc_heap_in_use_bytes (glibc mallinfo2); load = 1-minute load average\n"
        out += "counted \(samples.last?.eventsTotal ?? 0) events = \(fmt(meanEventsPerS, 0))/s; CPU s of the other children: "
            + "producer (live signing) \(fmt(producerCPUS, 1)), mock broker \(fmt(brokerCPUS, 1))\n"
        return out
    }

    /// `{"configuration":…,"minutes":…,"rate":…,"code_reuse":…,"rate_source":…,"slope_mib_per_h":…,"slope_second_half_mib_per_h":…,
    /// "events_per_s":…,"producer_cpu_s":…,"broker_cpu_s":…,"load_start":…,"load_end":…,"rss_of":"processor",
    /// "samples":[{"t_s":…,"rss_mib":…,"events_total":…,"events_per_s":…,"processor_cores":…,"load":…}]}`.
    func jsonLine() -> String {
        let s = samples.map {
            "{\"t_s\":\(fmt($0.elapsedS, 1)),\"rss_mib\":\(fmt($0.rssMiB, 2)),"
                + "\"heap_mib\":\($0.heapMiB.map { fmt($0, 2) } ?? "null"),\"events_total\":\($0.eventsTotal),"
                + "\"events_per_s\":\(fmt($0.eventsPerS, 1)),\"processor_cores\":\(fmt($0.processorCores, 3)),\"load\":\(fmt($0.load, 2))}"
        }.joined(separator: ",")
        return "{\"configuration\":\"\(configuration)\",\"minutes\":\(fmt(minutes, 2)),\"rate\":\(fmt(rate, 1)),"
            + "\"code_reuse\":\(codeReuse),"
            + "\"rate_source\":\"\(rateSource)\",\"slope_mib_per_h\":\(fmt(slopeAll, 2)),"
            + "\"slope_second_half_mib_per_h\":\(fmt(slopeSecondHalf, 2)),"
            + "\"heap_slope_second_half_mib_per_h\":\(heapSlopeSecondHalf.map { fmt($0, 2) } ?? "null"),"
            + "\"events_per_s\":\(fmt(meanEventsPerS, 1)),"
            + "\"producer_cpu_s\":\(fmt(producerCPUS, 2)),\"broker_cpu_s\":\(fmt(brokerCPUS, 2)),"
            + "\"load_start\":\"\(loadStart)\",\"load_end\":\"\(loadEnd)\",\"rss_of\":\"processor\",\"samples\":[\(s)]}"
    }

    private func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
}
