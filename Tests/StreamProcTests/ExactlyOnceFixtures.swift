import Foundation
import LoadKit
import Testing

/// Fixtures of the process-level exactly-once suite (issue 10): the mock broker
/// process, PostgreSQL databases, a generated workload with its offline
/// expectation, and `streamproc run` processors. Built on ``ProcessHarness``.
enum EO {
    // MARK: PostgreSQL

    /// The test server from `STREAMPROC_TEST_POSTGRES`, checked reachable.
    /// - Throws: ``ProcessHarness/Failure`` saying how to start it when unset or unreachable
    ///   (the suite never passes silently without a store).
    static func postgresServer() async throws -> String {
        let help = "start PostgreSQL 15 with `pg_ctlcluster 15 main start`, make sure the role exists "
            + "(`CREATE ROLE streamproc LOGIN PASSWORD 'streamproc' CREATEDB`), and set "
            + "STREAMPROC_TEST_POSTGRES=postgres://streamproc:streamproc@127.0.0.1:5432/streamproc_test"
        guard let url = ProcessInfo.processInfo.environment["STREAMPROC_TEST_POSTGRES"], !url.isEmpty else {
            throw ProcessHarness.Failure("STREAMPROC_TEST_POSTGRES is not set: " + help)
        }
        let psql = try ProcessHarness.tool("psql")
        let o = try await ProcessHarness.run(psql, ["-X", "-q", withDatabase(url, "postgres"), "-c", "select 1"],
                                             timeoutS: 15, check: false)
        guard o.status == 0 else {
            throw ProcessHarness.Failure("PostgreSQL at \(url) is unreachable (\(o.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): " + help)
        }
        return url
    }

    /// `url` with its database name replaced (`postgres://u:p@h:port/<db>`).
    static func withDatabase(_ url: String, _ db: String) -> String {
        var base = url
        if let q = base.firstIndex(of: "?") { base = String(base[..<q]) }
        let schemeEnd = base.range(of: "://")?.upperBound ?? base.startIndex
        if let slash = base[schemeEnd...].firstIndex(of: "/") { base = String(base[..<slash]) }
        return base + "/" + db
    }

    /// Creates a fresh database `eo_<tag>_<random>` on `server`; returns its URL.
    static func createDatabase(server: String, tag: String) async throws -> String {
        let name = "eo_\(tag)_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await ProcessHarness.run(try ProcessHarness.tool("psql"),
                                         ["-X", "-q", withDatabase(server, "postgres"), "-c", "CREATE DATABASE \(name)"],
                                         timeoutS: 30)
        return withDatabase(server, name)
    }

    /// Drops the database of `url` (best effort, `WITH (FORCE)`).
    static func dropDatabase(_ url: String) async {
        let name = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        _ = try? await ProcessHarness.run("/usr/bin/psql",
                                          ["-X", "-q", withDatabase(url, "postgres"), "-c", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"],
                                          timeoutS: 30, check: false)
    }

    /// Rows of `sql` on `url`, fields split on `|` (psql `-A -t`).
    static func query(_ url: String, _ sql: String) async throws -> [[String]] {
        let o = try await ProcessHarness.run(try ProcessHarness.tool("psql"),
                                             ["-X", "-A", "-t", "-F", "|", url, "-c", sql], timeoutS: 30)
        return o.text.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The store's closed counts summed over source partitions:
    /// `window_start_ms,scenario,district,verdict` → sum(count).
    static func storeCounts(_ url: String) async throws -> [String: Int] {
        let rows = try await query(url, """
            SELECT (extract(epoch FROM window_start) * 1000)::bigint, scenario, district, verdict, sum(count)
            FROM counts_1m GROUP BY 1, 2, 3, 4
            """)
        var out: [String: Int] = [:]
        for r in rows where r.count == 5 { out["\(r[0]),\(r[1]),\(r[2]),\(r[3])", default: 0] += Int(r[4]) ?? -1 }
        return out.filter { $0.value != 0 }
    }

    /// `next_offset` per partition from `partition_state` (missing table or row: absent).
    static func storeNextOffsets(_ url: String) async -> [Int: Int64] {
        guard let rows = try? await query(url, "SELECT partition, next_offset FROM partition_state WHERE topic = 'ykm.scans'") else { return [:] }
        var out: [Int: Int64] = [:]
        for r in rows where r.count == 2 { if let p = Int(r[0]), let o = Int64(r[1]) { out[p] = o } }
        return out
    }

    // MARK: broker

    /// Starts `streamproc mock-broker --partitions n` and reads its bootstrap address (first stdout line).
    /// - Throws: ``ProcessHarness/Failure`` when no address appears within 30 s.
    static func startBroker(_ children: ChildSet, dir: String, partitions: Int) async throws -> String {
        try await startBrokerChild(children, dir: dir, partitions: partitions).address
    }

    /// ``startBroker(_:dir:partitions:)`` that also returns the broker's ``Child``.
    static func startBrokerChild(_ children: ChildSet, dir: String, partitions: Int) async throws -> (child: Child, address: String) {
        let log = dir + "/mock-broker.log"
        let c = try children.spawn(name: "mock-broker", exe: try ProcessHarness.binary("streamproc"),
                                   args: ["mock-broker", "--partitions", "\(partitions)"], logPath: log)
        let address = try await ProcessHarness.waitFor("the mock broker's address in \(log)", timeoutS: 30, everyMs: 100) { () async throws -> String? in
            guard c.isRunning else { throw ProcessHarness.Failure("mock broker exited: \(c.log())") }
            let first = c.log().split(separator: "\n").first.map(String.init) ?? ""
            return first.contains(":") && !first.contains(" ") ? first : nil
        }
        return (c, address)
    }

    // MARK: processors

    /// One `streamproc run` instance.
    struct Processor {
        let child: Child
        let http: String
        let id: String
    }

    /// Options shared by the processors of one test.
    struct RunConfig {
        var brokers: String
        var keys: String
        var store: String
        var dir: String
        var lateness = 5_000
        var idle = 2_000
        var commitInterval = 500
    }

    /// Starts `streamproc run` with a fresh HTTP port; log `<dir>/<id>.log` (appended across restarts).
    static func startProcessor(_ children: ChildSet, _ cfg: RunConfig, group: String, id: String) throws -> Processor {
        let port = try ProcessHarness.freePort()
        let http = "127.0.0.1:\(port)"
        let c = try children.spawn(name: id, exe: try ProcessHarness.binary("streamproc"), args: [
            "run", "--brokers", cfg.brokers, "--keys", cfg.keys, "--store", cfg.store, "--http", http,
            "--group", group, "--processor-id", id, "--idle-timeout-ms", "\(cfg.idle)",
            "--allowed-lateness-ms", "\(cfg.lateness)", "--commit-interval-ms", "\(cfg.commitInterval)",
            "--summary-s", "0",
        ], logPath: cfg.dir + "/\(id).log")
        return Processor(child: c, http: http, id: id)
    }

    /// The `partitions` array of `/api/v1/status` (nil while the server is not up).
    static func statusPartitions(_ p: Processor) async -> [[String: Any]]? {
        guard let s = await ProcessHarness.getJSON(p.http, "/api/v1/status") as? [String: Any] else { return nil }
        return s["partitions"] as? [[String: Any]] ?? []
    }

    /// Waits until `p` serves its status and owns at least one partition.
    static func waitAssigned(_ p: Processor, timeoutS: Double = 60) async throws {
        _ = try await ProcessHarness.waitFor("\(p.id) to own a partition", timeoutS: timeoutS, everyMs: 200) { () async throws -> Bool? in
            guard p.child.isRunning else { throw ProcessHarness.Failure("\(p.id) exited: \(p.child.log().suffix(3000))") }
            guard let parts = await statusPartitions(p), !parts.isEmpty else { return nil }
            return true
        }
    }

    /// Waits until the store has every record committed (`next_offset` = end offset
    /// for every partition) and its closed counts equal `expected`; returns the last
    /// store counts (equal to `expected` unless it timed out, then throws).
    static func waitExact(store: String, expected: Workload.Expectation, timeoutS: Double,
                          alive: [Processor]) async throws -> [String: Int] {
        var last: [String: Int] = [:]
        do {
            _ = try await ProcessHarness.waitFor("store counts to equal the offline replay", timeoutS: timeoutS, everyMs: 1000) { () async throws -> Bool? in
                for p in alive where !p.child.isRunning {
                    throw ProcessHarness.Failure("\(p.id) exited: \(p.child.log().suffix(3000))")
                }
                let offsets = await storeNextOffsets(store)
                guard expected.endOffsets.allSatisfy({ offsets[$0.key] == $0.value }) else { return nil }
                last = try await storeCounts(store)
                return last == expected.counts ? true : nil
            }
        } catch {
            let offsets = await storeNextOffsets(store)
            Issue.record("store never matched: next_offset=\(offsets) expected end offsets=\(expected.endOffsets); \(diff(expected: expected.counts, got: last))")
            throw error
        }
        return last
    }

    /// A readable diff of two count maps (at most 30 cells).
    static func diff(expected: [String: Int], got: [String: Int]) -> String {
        let keys = Set(expected.keys).union(got.keys).filter { expected[$0] != got[$0] }.sorted()
        let lines = keys.prefix(30).map { "\($0): expected \(expected[$0] ?? 0) got \(got[$0] ?? 0)" }
        return "\(keys.count) cells differ (expected total \(expected.values.reduce(0, +)), got \(got.values.reduce(0, +)))"
            + (lines.isEmpty ? "" : ":\n" + lines.joined(separator: "\n"))
    }

    /// The rejected topic's records as the set of `partition:offset` of their source
    /// (headers `source.partition`, `source.offset`), plus the raw record count.
    static func rejectedSources(brokers: String) async throws -> (sources: Set<String>, records: Int) {
        let o = try await ProcessHarness.run(try ProcessHarness.tool("kcat"),
                                             ["-b", brokers, "-C", "-t", "ykm.scans.rejected", "-e", "-q", "-f", "%h\n"],
                                             timeoutS: 60)
        var out = Set<String>(), n = 0
        for line in o.text.split(separator: "\n") {
            n += 1
            var p: String?, off: String?
            for kv in line.split(separator: ",") {
                if kv.hasPrefix("source.partition=") { p = String(kv.dropFirst("source.partition=".count)) }
                if kv.hasPrefix("source.offset=") { off = String(kv.dropFirst("source.offset=".count)) }
            }
            if let p, let off { out.insert("\(p):\(off)") } else { out.insert("headerless:\(line)") }
        }
        return (out, n)
    }
}

/// A generated workload split over partitions by a stable hash of its record key,
/// produced with `kcat -p`, and its offline expectation from `streamproc replay`.
struct Workload {
    let dir: String
    let keysPath: String
    let partitions: Int
    /// Per partition, the `(key, value)` lines in production order (offset = index).
    let records: [[(key: Data, value: Data)]]
    let startMs: Int64

    /// The offline expectation of a workload.
    struct Expectation {
        /// `window_start_ms,scenario,district,verdict` → count over all partitions.
        var counts: [String: Int]
        /// `partition:offset` of every non-valid record.
        var rejected: Set<String>
        /// Per partition, the offset after its last record.
        var endOffsets: [Int: Int64]
        var total: Int
    }

    /// Runs `bench generate` with event times ending before the current minute
    /// (so the last window can close soon after the data is consumed; or from
    /// `startMs` when given) and splits
    /// the records over `partitions` by FNV-1a of their key (`record-keys.txt`).
    ///
    /// The generator's rate follows a diurnal curve (a third of `rate` at night in
    /// Asia/Shanghai), so the start comes from ``LoadGenerator/startMs(events:ratePerSecond:endingAtMs:)``
    /// with 5 % of the span to spare; should the random gaps still carry an event into the
    /// current minute, the workload is generated again, starting that much earlier (at most
    /// 3 times). (With `events / rate` as the span, these tests failed whenever they ran at
    /// night in Chongqing.)
    static func generate(events: Int, rate: Double, seed: Int, partitions: Int, dir: String,
                         duplicateShare: Double? = nil, startMs: Int64? = nil) async throws -> Workload {
        let now = ProcessHarness.nowMs()
        let boundary = (now / 60_000) * 60_000
        let planned = LoadGenerator.startMs(events: events, ratePerSecond: rate, endingAtMs: boundary - 1_000)
        var start = startMs ?? planned - (boundary - planned) / 20
        for attempt in 1...3 {
            var args = ["generate", "--events", "\(events)", "--out", dir, "--rate", "\(rate)", "--seed", "\(seed)",
                        "--start-ms", "\(start)"]
            if let duplicateShare { args += ["--duplicate-share", "\(duplicateShare)"] }
            _ = try await ProcessHarness.run(try ProcessHarness.binary("bench", configuration: "debug"), args, timeoutS: 120)
            let values = try lines(dir + "/events.jsonl")
            let keys = try lines(dir + "/record-keys.txt")
            guard values.count == events, keys.count == events else {
                throw ProcessHarness.Failure("bench generate wrote \(values.count) values and \(keys.count) keys, expected \(events)")
            }
            // The last event time of the workload, leaving out the deliberately absurd ones
            // (malformed times decades away).
            let last = values.compactMap { scannedAtMs($0) }.filter { abs($0 - now) < 86_400_000 }.max() ?? start
            if startMs == nil && last >= boundary {
                guard attempt < 3 else {
                    throw ProcessHarness.Failure("bench generate: the workload still ends in the current minute after 3 attempts (last event \(last - boundary) ms past \(boundary))")
                }
                start -= last - boundary + 2_000
                continue
            }
            var records = Array(repeating: [(key: Data, value: Data)](), count: partitions)
            for (k, v) in zip(keys, values) { records[partition(of: k, partitions)].append((k, v)) }
            return Workload(dir: dir, keysPath: dir + "/keys.json", partitions: partitions, records: records, startMs: start)
        }
        throw ProcessHarness.Failure("unreachable: the third attempt returns or throws")
    }

    /// The `scanned_at` of a record value (ms), or nil when it has none.
    private static func scannedAtMs(_ value: Data) -> Int64? {
        let key = Data("\"scanned_at\":".utf8)
        guard let r = value.range(of: key) else { return nil }
        var n: Int64 = 0, i = r.upperBound, digits = 0
        while i < value.endIndex, let d = Int64(exactly: value[i]).map({ $0 - 48 }), (0...9).contains(d), digits < 18 {
            n = n * 10 + d
            i += 1
            digits += 1
        }
        return digits > 0 ? n : nil
    }

    /// Lines of a file without their newline (bytes, no decoding).
    static func lines(_ path: String) throws -> [Data] {
        guard let d = FileManager.default.contents(atPath: path) else { throw ProcessHarness.Failure("missing \(path)") }
        var out: [Data] = [], start = d.startIndex
        for i in d.indices where d[i] == 0x0A { out.append(d[start..<i]); start = i + 1 }
        if start < d.endIndex { out.append(d[start..<d.endIndex]) }
        return out
    }

    /// FNV-1a of the key, modulo the partition count (stable across runs).
    static func partition(of key: Data, _ n: Int) -> Int {
        var h: UInt32 = 2_166_136_261
        for b in key { h = (h ^ UInt32(b)) &* 16_777_619 }
        return Int(h % UInt32(n))
    }

    /// Produces records `[from, to)` of every partition with `kcat -P -p P -K '\t'`.
    func produce(brokers: String, from: Int = 0, to: Int = Int.max) async throws {
        let kcat = try ProcessHarness.tool("kcat")
        for p in 0..<partitions {
            let slice = records[p][min(from, records[p].count)..<min(to, records[p].count)]
            if slice.isEmpty { continue }
            var file = Data()
            for r in slice { file.append(r.key); file.append(0x09); file.append(r.value); file.append(0x0A) }
            let path = dir + "/produce-p\(p)-\(from).tsv"
            try file.write(to: URL(fileURLWithPath: path))
            _ = try await ProcessHarness.run(kcat, ["-b", brokers, "-P", "-t", "ykm.scans", "-p", "\(p)", "-K", "\t", "-l", path],
                                             timeoutS: 120)
        }
    }

    /// The offline expectation: `streamproc replay` of each partition's values in order.
    func expectation(latenessMs: Int) async throws -> Expectation {
        let exe = try ProcessHarness.binary("streamproc")
        var e = Expectation(counts: [:], rejected: [], endOffsets: [:], total: 0)
        let now = ProcessHarness.nowMs()
        for p in 0..<partitions {
            e.endOffsets[p] = Int64(records[p].count)
            e.total += records[p].count
            if records[p].isEmpty { continue }
            var file = Data()
            for r in records[p] { file.append(r.value); file.append(0x0A) }
            let input = dir + "/replay-p\(p).jsonl", counts = dir + "/replay-p\(p).csv", verdicts = dir + "/replay-p\(p).verdicts"
            try file.write(to: URL(fileURLWithPath: input))
            _ = try await ProcessHarness.run(exe, ["replay", "--keys", keysPath, "--input", input, "--counts-out", counts,
                                                  "--verdicts-out", verdicts, "--now-ms", "\(now)",
                                                  "--allowed-lateness-ms", "\(latenessMs)"], timeoutS: 300)
            for line in try Workload.lines(counts).dropFirst() {
                let s = String(decoding: line, as: UTF8.self)
                guard let comma = s.lastIndex(of: ","), let n = Int(s[s.index(after: comma)...]) else {
                    throw ProcessHarness.Failure("bad replay counts line \(s)")
                }
                e.counts[String(s[..<comma]), default: 0] += n
            }
            for line in try Workload.lines(verdicts) {
                guard let o = try JSONSerialization.jsonObject(with: line) as? [String: Any],
                      let n = o["line"] as? Int, let v = o["verdict"] as? String else {
                    throw ProcessHarness.Failure("bad replay verdict line")
                }
                if v != "valid" { e.rejected.insert("\(p):\(n - 1)") }
            }
        }
        e.counts = e.counts.filter { $0.value != 0 }
        return e
    }
}
