import Foundation

/// The pre-signed events of `bench drain`, generated once by a `bench generate` child into
/// `<cache>/drain-n<events>-seed<seed>/` and reused while `record-keys.txt` there holds
/// `events` lines (so an interrupted generation is redone). Event time ends at the moment of
/// generation; the processor judges event time against the codes' own iat/exp, so a cache
/// stays valid later (only `clock_ahead` compares with the wall clock).
struct DrainWorkload {
    /// The folder with `events.jsonl`, `record-keys.txt` and `keys.json`.
    let directory: String
    /// Number of events (lines of `events.jsonl`).
    let events: Int

    var eventsPath: String { directory + "/events.jsonl" }
    var recordKeysPath: String { directory + "/record-keys.txt" }
    var keysPath: String { directory + "/keys.json" }

    /// Reuses or generates the workload with `bench` (the executable at `benchPath`).
    /// - Throws: ``RunError`` when the generation fails.
    static func prepare(events: Int, seed: UInt64, mix: String, cache: String, benchPath: String) async throws -> DrainWorkload {
        let w = DrainWorkload(directory: cache + "/drain-n\(events)-seed\(seed)", events: events)
        if w.isComplete {
            RunProgress.line("reusing \(events) pre-signed events in \(w.directory)")
            return w
        }
        RunProgress.line("generating \(events) signed events into \(w.directory) (once; later runs reuse them)…")
        try FileManager.default.createDirectory(atPath: w.directory, withIntermediateDirectories: true)
        let child = try BenchChild(name: "generate", executable: benchPath,
                                   arguments: ["generate", "--events", String(events), "--seed", String(seed),
                                               "--mix", mix, "--out", w.directory],
                                   logPrefix: w.directory + "/generate")
        await child.waitExit(timeoutS: .infinity)
        guard child.exitStatus == 0, w.isComplete else {
            throw RunError("bench generate failed (\(child.exitStatus)); see \(child.stderrPath)")
        }
        return w
    }

    /// Whether all three files exist and `record-keys.txt` has ``events`` lines.
    private var isComplete: Bool {
        let fm = FileManager.default
        guard fm.fileExists(atPath: eventsPath), fm.fileExists(atPath: keysPath),
              let keys = fm.contents(atPath: recordKeysPath) else { return false }
        return keys.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } == events
    }
}
