import Foundation

/// The runs of `bench drain` as a table (one row per run, then the median of each
/// configuration and, with two configurations, the ratio of their medians) or one JSON line.
struct DrainReport {
    /// Every run, in the order they ran.
    let runs: [DrainResult]
    /// Runs that failed (`run 3 (store): …`), left out of ``runs`` and the medians.
    let failures: [String]
    /// Events per run.
    let events: Int
    /// Partitions of the input topic.
    let partitions: Int
    /// All-core verification capacity of the mix before the first and after the last run,
    /// events/s (``RunCapacity``); nil with `--no-capacity`.
    let capacityBefore: Double?, capacityAfter: Double?
    /// Cores the capacity was measured on.
    let cores: Int
    /// `uptime`'s load averages (1, 5, 15 min) before the first and after the last run.
    let loadBefore: String, loadAfter: String

    /// Mean of the capacity before and after, events/s; nil when not measured.
    var capacity: Double? {
        guard let b = capacityBefore, let a = capacityAfter else { return capacityBefore ?? capacityAfter }
        return (a + b) / 2
    }

    /// A configuration's median of figure `name` (default: steady events/s) as a fraction of ``capacity``.
    func steadyRatio(_ configuration: String, of name: String = "steady_events_per_s") -> Double? {
        guard let c = capacity, c > 0,
              let steady = medians(configuration).first(where: { $0.name == name }) else { return nil }
        return steady.value / c
    }

    /// Configurations in order of first appearance (`memory`, `store`).
    var configurations: [String] {
        runs.map(\.configuration).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Median of each figure (``DrainResult/figures``) over the runs of `configuration`.
    func medians(_ configuration: String) -> [(name: String, value: Double, digits: Int)] {
        let mine = runs.filter { $0.configuration == configuration }
        guard let first = mine.first else { return [] }
        return first.figures.indices.map { i in
            (first.figures[i].name, Self.median(mine.map { $0.figures[i].value }), first.figures[i].digits)
        }
    }

    /// The median (mean of the two middle values for an even count); 0 for none.
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The human-readable report.
    func table() -> String {
        let columns = ["events/s", "steady/s", "mid80/s", "mid µs/ev", "mid cores", "drain s", "assigned s", "1st ev s", "proc CPU s", "CPU µs/ev",
                       "drain µs/ev", "broker CPU s", "prod CPU s", "produce s", "peak RSS MiB", "load start", "load end"]
        var out = "\nbench drain: \(events) events, \(partitions) partitions; load average \(loadBefore) before, \(loadAfter) after\n\n"
        out += pad("run", 5) + pad("config", 8) + columns.map { pad($0, max(9, $0.count + 1)) }.joined() + "\n"
        func row(_ label: String, _ config: String, _ figures: [(name: String, value: Double, digits: Int)]) -> String {
            pad(label, 5) + pad(config, 8)
                + zip(columns, figures).map { pad(fmt($1.value, $1.digits), max(9, $0.count + 1)) }.joined() + "\n"
        }
        for (i, r) in runs.enumerated() { out += row(String(i + 1), r.configuration, r.figures) }
        for c in configurations { out += row("med", c, medians(c)) }
        for f in failures { out += "FAILED \(f)\n" }
        if configurations.count == 2 {
            let a = medians(configurations[0]), b = medians(configurations[1])
            func ratio(_ name: String) -> Double {
                (b.first { $0.name == name }?.value ?? 0) / max(a.first { $0.name == name }?.value ?? 0, 1e-9)
            }
            out += "\n\(configurations[1]) / \(configurations[0]) (medians): events/s \(fmt(ratio("events_per_s"), 3)) "
                + "(\(fmt((1 - ratio("events_per_s")) * 100, 1)) % less), steady events/s \(fmt(ratio("steady_events_per_s"), 3)), "
                + "CPU µs/event \(fmt(ratio("cpu_us_per_event"), 3)), drain CPU µs/event \(fmt(ratio("drain_cpu_us_per_event"), 3))\n"
        }
        if let c = capacity {
            out += "\nverification capacity of the mix on \(cores) cores: \(fmt(capacityBefore ?? c, 0)) events/s before, "
                + "\(fmt(capacityAfter ?? c, 0)) after (mean \(fmt(c, 0))); median steady/s ÷ capacity: "
                + configurations.map { "\($0) \(fmt(steadyRatio($0) ?? 0, 3))" }.joined(separator: ", ")
                + "; median mid80/s ÷ capacity: "
                + configurations.map { "\($0) \(fmt(steadyRatio($0, of: "middle_events_per_s") ?? 0, 3))" }.joined(separator: ", ") + "\n"
        }
        out += """

            events/s = events / (processor start → Σ streamproc_events_total of /metrics == events); steady/s excludes the time to the first
            counted event (group join, store claim and restore); mid80/s = 80 % of the events / the time events_total took from 10 % to
            90 % of them (no ramp, no tail), mid µs/ev its CPU per event and mid cores its busy cores. assigned s = processor start → its partitions assigned (/api/v1/status);
            1st ev s = processor start → first counted event; produce s = time the bench produce child took to fill the backlog;
            load start/end = 1-minute load average when the run started and ended. proc CPU = the streamproc child's utime+stime
            (/proc/<pid>/stat) over the same span; drain µs/ev counts only the CPU after the first event. broker CPU =
            the mock-broker child over the same span; prod CPU = the bench produce child that filled the backlog
            before the processor started. peak RSS = the processor's VmHWM. CPU by thread (progress lines): Linux thread names, cut at
            15 characters: `oot.default-qos` = libdispatch's pool threads, where Swift concurrency runs the judging and the loop; `rdk:*` = librdkafka's.

            """
        return out
    }

    /// `{"events":N,"partitions":P,"cores":C,"capacity_before_events_per_s":…,"capacity_after_events_per_s":…,
    /// "capacity_events_per_s":…,"steady_ratio_to_capacity":{"memory":…},"middle_ratio_to_capacity":{"memory":…},"load_before":"…","load_after":"…","runs":[{…}],"medians":{"memory":{…},…},"failed_runs":["…"]}`.
    func jsonLine() -> String {
        func object(_ figures: [(name: String, value: Double, digits: Int)]) -> String {
            figures.map { "\"\($0.name)\":\(fmt($0.value, $0.digits))" }.joined(separator: ",")
        }
        let runsJSON = runs.map { "{\"configuration\":\"\($0.configuration)\",\(object($0.figures))}" }.joined(separator: ",")
        let mediansJSON = configurations.map { "\"\($0)\":{\(object(medians($0)))}" }.joined(separator: ",")
        let capacityJSON = capacity.map { c in
            ",\"cores\":\(cores),\"capacity_before_events_per_s\":\(fmt(capacityBefore ?? c, 0)),"
                + "\"capacity_after_events_per_s\":\(fmt(capacityAfter ?? c, 0)),\"capacity_events_per_s\":\(fmt(c, 0)),"
                + "\"steady_ratio_to_capacity\":{"
                + configurations.map { "\"\($0)\":\(fmt(steadyRatio($0) ?? 0, 3))" }.joined(separator: ",") + "},"
                + "\"middle_ratio_to_capacity\":{"
                + configurations.map { "\"\($0)\":\(fmt(steadyRatio($0, of: "middle_events_per_s") ?? 0, 3))" }.joined(separator: ",") + "}"
        } ?? ""
        return "{\"events\":\(events),\"partitions\":\(partitions)\(capacityJSON),\"load_before\":\"\(loadBefore)\","
            + "\"load_after\":\"\(loadAfter)\",\"runs\":[\(runsJSON)],\"medians\":{\(mediansJSON)},"
            + "\"failed_runs\":[\(failures.map { "\"" + $0.replacingOccurrences(of: "\"", with: "'") + "\"" }.joined(separator: ","))]}"
    }

    private func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
}
