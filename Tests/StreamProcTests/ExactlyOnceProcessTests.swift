import Foundation
import Testing

/// Process-level tests of exactly-once state in PostgreSQL (issue 10): real
/// `streamproc run` processes against a `streamproc mock-broker` process and
/// the PostgreSQL server named by `STREAMPROC_TEST_POSTGRES`, killed with -9,
/// rebalanced, stopped past their session timeout, restarted, and cut off from
/// their store. Each test compares the store's closed counts, cell by cell, with
/// `streamproc replay` of the same per-partition input (spec v1 §8), and the
/// rejected topic with the replay's non-valid records.
@Suite("Exactly-once processes", .serialized)
struct ExactlyOnceProcessTests {
    /// Everything a test needs: children, a temp dir, its broker, workload, store and expectation.
    struct Rig {
        let kids: ChildSet
        let dir: String
        let brokers: String
        let workload: Workload
        let expected: Workload.Expectation
        let store: String
        var cfg: EO.RunConfig

        static func make(tag: String, events: Int, rate: Double, seed: Int, partitions: Int = 4,
                         store: String? = nil, produce: Bool = true, startMs: Int64? = nil) async throws -> Rig {
            let server = try await EO.postgresServer()
            let dir = try ProcessHarness.tempDir(tag)
            let children = ChildSet()
            do {
                let brokers = try await EO.startBroker(children, dir: dir, partitions: partitions)
                let w = try await Workload.generate(events: events, rate: rate, seed: seed, partitions: partitions,
                                                   dir: dir + "/gen", startMs: startMs)
                let db: String
                if let store { db = store } else { db = try await EO.createDatabase(server: server, tag: tag) }
                let cfg = EO.RunConfig(brokers: brokers, keys: w.keysPath, store: db, dir: dir)
                let e = try await w.expectation(latenessMs: cfg.lateness)
                if produce { try await w.produce(brokers: brokers) }
                return Rig(kids: children, dir: dir, brokers: brokers, workload: w, expected: e, store: db, cfg: cfg)
            } catch {
                children.killAll()
                throw error
            }
        }


        /// Asserts the store counts and the rejected topic against the expectation.
        func assertExact(alive: [EO.Processor], timeoutS: Double = 150) async throws {
            let got = try await EO.waitExact(store: store, expected: expected, timeoutS: timeoutS, alive: alive)
            #expect(got == expected.counts, "\(EO.diff(expected: expected.counts, got: got))")
            #expect(got.values.reduce(0, +) > expected.total / 2, "most records are counted")
            let late = try await EO.query(store, "SELECT coalesce(sum(late), 0) FROM counts_1m")
            #expect(late.first?.first == "0", "no record was made late by kills or rebalances: \(late)")
            let rejected = try await ProcessHarness.waitFor("the rejected topic to hold every non-valid record", timeoutS: 30, everyMs: 1000) { () async throws -> (sources: Set<String>, records: Int)? in
                let r = try await EO.rejectedSources(brokers: brokers)
                return r.sources.count >= expected.rejected.count ? r : nil
            }
            #expect(rejected.sources == expected.rejected,
                    "rejected: \(rejected.sources.subtracting(expected.rejected).sorted().prefix(20)) unexpected, \(expected.rejected.subtracting(rejected.sources).sorted().prefix(20)) missing")
            #expect(!expected.rejected.isEmpty)
        }

        /// Kills every child; drops the database only after a success (kept for inspection otherwise).
        func cleanup(failed: Bool = false) async {
            kids.killAll()
            if failed {
                print("\(dir): logs and workload kept; store \(store) kept for inspection")
            } else {
                await EO.dropDatabase(store)
            }
        }
    }

    /// 1. kill -9 at random points: 20 kills, restarting each time; the store ends exact.
    ///
    /// Each generation joins a fresh consumer group so that a killed member's
    /// session (10 s) does not delay the next one: where to resume comes from the
    /// store (`partition_state.next_offset`), not from the group's offsets, and a
    /// restarted instance must claim (epoch + 1) over the dead one's rows.
    @Test(.timeLimit(.minutes(8)))
    func killNineAtRandomPoints() async throws {
        let started = Date()
        let rig = try await Rig.make(tag: "kill9", events: 20_000, rate: 100, seed: 11)
        var killsDone = 0
        do {
            var rng = SystemRandomNumberGenerator()
            var p = try EO.startProcessor(rig.kids, rig.cfg, group: "kill9-g0", id: "kill9")
            for k in 1...20 {
                try await EO.waitAssigned(p)
                try await Task.sleep(for: .milliseconds(Int.random(in: 700...2_500, using: &rng)))
                await p.child.kill9()
                killsDone += 1
                p = try EO.startProcessor(rig.kids, rig.cfg, group: "kill9-g\(k)", id: "kill9")
            }
            let committedBeforeEnd = await EO.storeNextOffsets(rig.store)
            // The kills happened mid-stream (not after everything was consumed).
            #expect(committedBeforeEnd.values.reduce(0, +) < Int64(rig.expected.total),
                    "the last kill came before the end of the input: \(committedBeforeEnd)")
            try await rig.assertExact(alive: [p], timeoutS: 240)
            let epochs = try await EO.query(rig.store, "SELECT min(epoch) FROM partition_state WHERE topic = 'ykm.scans'")
            #expect((Int(epochs.first?.first ?? "") ?? 0) >= 2, "partitions were reclaimed after kills: \(epochs)")
        } catch {
            await rig.cleanup(failed: true); throw error
        }
        await rig.cleanup()
        print("killNineAtRandomPoints: \(killsDone) kills, \(rig.expected.total) events, \(Int(Date().timeIntervalSince(started))) s")
    }

    /// 2. rebalance 1 → 3 → 2 instances in one group (SIGTERM one, kill -9 one, start one): exact counts.
    @Test(.timeLimit(.minutes(6)))
    func rebalanceOneThreeTwo() async throws {
        let rig = try await Rig.make(tag: "rebal", events: 30_000, rate: 200, seed: 12, partitions: 8)
        do {
            let g = "rebal-\(UInt32.random(in: 0...UInt32.max))"
            let a = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "rebal-a")
            try await EO.waitAssigned(a)
            try await Task.sleep(for: .seconds(1))
            let b = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "rebal-b")
            let c = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "rebal-c")
            try await EO.waitAssigned(b)
            try await EO.waitAssigned(c)
            let midway = await EO.storeNextOffsets(rig.store)
            #expect(midway.values.reduce(0, +) < Int64(rig.expected.total), "three instances joined mid-stream: \(midway)")
            try await Task.sleep(for: .seconds(4))
            #expect(await b.child.terminate(graceS: 30), "rebal-b shut down gracefully on SIGTERM")
            await c.child.kill9()
            let d = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "rebal-d")
            try await EO.waitAssigned(d, timeoutS: 90)
            try await rig.assertExact(alive: [a, d], timeoutS: 200)
            #expect(b.child.log().contains("partitions released"), "B released its partitions on SIGTERM")
        } catch {
            await rig.cleanup(failed: true); throw error
        }
        await rig.cleanup()
    }

    /// 3. zombie: SIGSTOP one of two instances past the session timeout; after SIGCONT
    /// its commit is refused ("partition fenced") and the counts are exact. (It was
    /// intermittent while a revocation had to process the buffered backlog first and outlasted
    /// the drain timeout under load; undelivered records of revoked partitions are now dropped.
    /// It failed once more when A was stopped inside a commit transaction and kept its row
    /// locked: the store's sessions now carry `idle_in_transaction_session_timeout`.)
    @Test(.timeLimit(.minutes(6)))
    func zombieIsFenced() async throws {
        let rig = try await Rig.make(tag: "zombie", events: 12_000, rate: 80, seed: 13)
        do {
            let g = "zombie-\(UInt32.random(in: 0...UInt32.max))"
            let a = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "zombie-a")
            try await EO.waitAssigned(a)
            let b = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "zombie-b")
            try await EO.waitAssigned(b, timeoutS: 60)
            try await Task.sleep(for: .seconds(2))
            a.child.signal(SIGSTOP)
            // B takes over every partition once A's session (10 s) expired.
            _ = try await ProcessHarness.waitFor("zombie-b to own all 4 partitions", timeoutS: 60, everyMs: 500) { () async throws -> Bool? in
                (await EO.statusPartitions(b)?.count ?? 0) == 4 ? true : nil
            }
            try await Task.sleep(for: .seconds(2))
            a.child.signal(SIGCONT)
            _ = try await ProcessHarness.waitFor("zombie-a to log a refused commit", timeoutS: 120, everyMs: 500) { () async throws -> Bool? in
                a.child.log().contains("partition fenced") ? true : nil
            }
            try await rig.assertExact(alive: [a, b], timeoutS: 200)
        } catch {
            await rig.cleanup(failed: true); throw error
        }
        await rig.cleanup()
    }

    /// The 24h by-cell view without volatile fields (`now_ms`, `as_of_ms`, …), rows in a stable order.
    static func cellView(_ p: EO.Processor) async -> [String]? {
        guard let o = await ProcessHarness.getJSON(p.http, "/api/v1/counts?view=24h&by=cell") as? [String: Any],
              let rows = o["rows"] as? [[String: Any]] else { return nil }
        return rows.compactMap { r -> String? in
            guard let d = try? JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]) else { return nil }
            return String(decoding: d, as: UTF8.self)
        }.sorted()
    }

    /// 4. graceful restart with nothing new to read: the 24h by-cell view is identical.
    @Test(.timeLimit(.minutes(4)))
    func restartKeepsTheView() async throws {
        let rig = try await Rig.make(tag: "restart", events: 3_000, rate: 50, seed: 14)
        do {
            let g = "restart-\(UInt32.random(in: 0...UInt32.max))"
            let a = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "restart-a")
            try await EO.waitAssigned(a)
            try await rig.assertExact(alive: [a], timeoutS: 120)
            let before = try await ProcessHarness.waitFor("a non-empty 24h view", timeoutS: 30) { () async throws -> [String]? in
                let v = await Self.cellView(a); return (v?.isEmpty ?? true) ? nil : v
            }
            #expect(await a.child.terminate(graceS: 30), "graceful shutdown on SIGTERM")
            let b = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "restart-b")
            try await EO.waitAssigned(b, timeoutS: 60)
            _ = try await ProcessHarness.waitFor("restart-b to own all partitions", timeoutS: 60) { () async throws -> Bool? in
                (await EO.statusPartitions(b)?.count ?? 0) == 4 ? true : nil
            }
            try await Task.sleep(for: .seconds(3))
            let after = await Self.cellView(b) ?? []
            #expect(after == before, "24h view changed across the restart: \(Set(before).symmetricDifference(after).sorted().prefix(10))")
            #expect(before.count > 10)
            // and the store did not move
            #expect(try await EO.storeCounts(rig.store) == rig.expected.counts)
        } catch {
            await rig.cleanup(failed: true); throw error
        }
        await rig.cleanup()
    }

    /// 5. a retry after a crash: the event, kill -9 once it is committed, restart, the
    /// retry (same event_id, key and partition): one valid and one duplicate.
    @Test(.timeLimit(.minutes(4)))
    func duplicateAcrossACrash() async throws {
        // Event times a few seconds before a minute boundary M ≥ now + 20 s: neither record
        // is late by the idle rule (wall clock − 5 s stays below M until the retry is in),
        // and the window closes at M + 5 s.
        let now = ProcessHarness.nowMs()
        let boundary = ((now + 20_000 + 59_999) / 60_000) * 60_000
        let rig = try await Rig.make(tag: "dup", events: 20, rate: 20, seed: 15, partitions: 1, produce: false,
                                     startMs: boundary - 3_000)
        do {
            // a valid event of the workload: the first line whose intended verdict is valid
            let intended = try Workload.lines(rig.workload.dir + "/intended-verdicts.jsonl")
            let replayed = try Workload.lines(rig.workload.dir + "/replay-p0.verdicts")
            guard let line = replayed.firstIndex(where: { (try? JSONSerialization.jsonObject(with: $0) as? [String: Any])?["verdict"] as? String == "valid" }) else {
                throw ProcessHarness.Failure("no valid event in the workload (\(intended.count) intended)")
            }
            let record = rig.workload.records[0][line]
            let event = try #require(try JSONSerialization.jsonObject(with: record.value) as? [String: Any])
            let scenario = try #require(event["scenario"] as? String), district = try #require(event["district"] as? String)
            let single = Workload(dir: rig.workload.dir, keysPath: rig.workload.keysPath, partitions: 1,
                                  records: [[record]], startMs: rig.workload.startMs)
            let g = "dup-\(UInt32.random(in: 0...UInt32.max))"
            let a = try EO.startProcessor(rig.kids, rig.cfg, group: g, id: "dup-a")
            try await EO.waitAssigned(a)
            try await single.produce(brokers: rig.brokers)
            _ = try await ProcessHarness.waitFor("the event committed (next_offset 1)", timeoutS: 60) { () async throws -> Bool? in
                await EO.storeNextOffsets(rig.store)[0] == 1 ? true : nil
            }
            try await Task.sleep(for: .milliseconds(rig.cfg.commitInterval * 3))
            await a.child.kill9()
            let b = try EO.startProcessor(rig.kids, rig.cfg, group: g + "-after", id: "dup-b")
            try await EO.waitAssigned(b)
            try await single.produce(brokers: rig.brokers)  // the terminal's retry: offset 1, same key
            let cell = { (verdict: String) in
                "SELECT coalesce(sum(count), 0) FROM counts_1m WHERE scenario = '\(scenario)' AND district = '\(district)' AND verdict = '\(verdict)'"
            }
            var seen = "nothing yet"
            let counts: (Int, Int)
            do {
                counts = try await ProcessHarness.waitFor("both records counted in closed windows", timeoutS: 150, everyMs: 1000) { () -> (Int, Int)? in
                    let next = await EO.storeNextOffsets(rig.store)[0]
                    let v = Int(try await EO.query(rig.store, cell("valid")).first?.first ?? "") ?? -1
                    let d = Int(try await EO.query(rig.store, cell("duplicate")).first?.first ?? "") ?? -1
                    let rows = try await EO.query(rig.store, "SELECT window_start, verdict, count, late FROM counts_1m")
                    seen = "next_offset=\(String(describing: next)) valid=\(v) duplicate=\(d) rows=\(rows)"
                    guard next == 2 else { return nil }
                    return v + d >= 2 ? (v, d) : nil
                }
            } catch {
                Issue.record("last store state: \(seen)")
                throw error
            }
            #expect(counts.0 == 1, "valid count \(counts.0)")
            #expect(counts.1 == 1, "duplicate count \(counts.1)")
            let all = try await EO.query(rig.store, "SELECT verdict, sum(count), sum(late) FROM counts_1m GROUP BY 1 ORDER BY 1")
            #expect(all.map { $0.prefix(2).joined(separator: "|") } == ["duplicate|1", "valid|1"], "store: \(all)")
            let ids = try await EO.query(rig.store, "SELECT count(*) FROM duplicate_ids")
            #expect((Int(ids.first?.first ?? "") ?? 0) >= 1)
        } catch {
            await rig.cleanup(failed: true); throw error
        }
        await rig.cleanup()
    }

    /// A throwaway PostgreSQL 15 cluster owned by the `postgres` OS user (root cannot run
    /// initdb or postgres). The server runs in the foreground as a registered ``Child``
    /// (`setpriv` execs it as `postgres`, so the child's pid is the postmaster's); a
    /// daemon started with `pg_ctl start` would keep the harness's `Process` from ever
    /// seeing its launcher exit.
    struct ThrowawayCluster {
        let dataDir: String
        let port: Int
        let children: ChildSet
        var url: String { "postgres://streamproc:streamproc@127.0.0.1:\(port)/postgres" }

        static let bin = "/usr/lib/postgresql/15/bin"

        static func create(_ children: ChildSet) async throws -> (ThrowawayCluster, Child) {
            guard FileManager.default.isExecutableFile(atPath: bin + "/initdb") else {
                throw ProcessHarness.Failure("\(bin)/initdb missing: install postgresql-15")
            }
            let root = try ProcessHarness.tempDir("pgcluster")
            let data = root + "/data"
            _ = try await ProcessHarness.run("/bin/chown", ["postgres:postgres", root])
            _ = try await ProcessHarness.run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/initdb", "-D", data,
                                                                   "--username=streamproc", "--auth=trust"], timeoutS: 120)
            let c = ThrowawayCluster(dataDir: data, port: try ProcessHarness.freePort(), children: children)
            return (c, try await c.start())
        }

        /// Starts the postmaster and waits until it answers.
        func start() async throws -> Child {
            let server = try children.spawn(name: "postgres", exe: "/usr/bin/setpriv", args: [
                "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
                Self.bin + "/postgres", "-D", dataDir, "-p", "\(port)", "-k", dataDir, "-c", "listen_addresses=127.0.0.1",
            ], logPath: URL(fileURLWithPath: dataDir).deletingLastPathComponent().path + "/server.log")
            _ = try await ProcessHarness.waitFor("the throwaway PostgreSQL on port \(port)", timeoutS: 60, everyMs: 200) { () async throws -> Bool? in
                guard server.isRunning else { throw ProcessHarness.Failure("postgres exited: \(server.log().suffix(2000))") }
                let o = try await ProcessHarness.run("/usr/bin/psql", ["-X", "-q", url, "-c", "select 1"], timeoutS: 10, check: false)
                return o.status == 0 ? true : nil
            }
            return server
        }

        /// Immediate shutdown (SIGQUIT to the postmaster), like a crashed or unplugged server.
        static func stop(_ server: Child) async {
            server.signal(SIGQUIT)
            if !(await server.waitExit(timeoutS: 30)) { await server.kill9() }
        }

        func destroy() {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: dataDir).deletingLastPathComponent().path)
        }
    }

    /// 6. the store goes down for ~25 s mid-run: the processor logs it, reports it (`/api/v1/status`
    /// `store.available`, `streamproc_store_up 0`), resumes by itself, exact counts. With nothing
    /// to commit the processor probes the store each interval, so the outage is seen while idle too.
    @Test(.timeLimit(.minutes(6)))
    func storeDownMidRun() async throws {
        _ = try await EO.postgresServer()
        let pg = ChildSet()
        defer { pg.killAll() }
        let (cluster, server) = try await ThrowawayCluster.create(pg)
        defer { cluster.destroy() }
        let store = try await EO.createDatabase(server: cluster.url, tag: "storedown")
        let rig = try await Rig.make(tag: "storedown", events: 12_000, rate: 80, seed: 16, store: store)
        defer { rig.kids.killAll() }
        let a = try EO.startProcessor(rig.kids, rig.cfg, group: "storedown-\(UInt32.random(in: 0...UInt32.max))", id: "storedown-a")
        try await EO.waitAssigned(a)
        try await Task.sleep(for: .seconds(3))
        let before = await EO.storeNextOffsets(store).values.reduce(0, +)
        #expect(before < Int64(rig.expected.total), "the store went down mid-stream (committed \(before))")
        await ThrowawayCluster.stop(server)
        _ = try await ProcessHarness.waitFor("the processor to log the store unavailable", timeoutS: 30, everyMs: 500) { () async throws -> Bool? in
            a.child.log().contains("state store unavailable") ? true : nil
        }
        let status = await ProcessHarness.getJSON(a.http, "/api/v1/status") as? [String: Any]
        let storeStatus = status?["store"] as? [String: Any]
        let metrics = String(decoding: await ProcessHarness.get(a.http, "/metrics") ?? Data(), as: UTF8.self)
        let upLine = metrics.split(separator: "\n").first { $0.hasPrefix("streamproc_store_up") }
        #expect(storeStatus?["available"] as? Bool == false, "/api/v1/status store while the store is down: \(storeStatus ?? [:])")
        #expect((storeStatus?["problem"] as? String)?.isEmpty == false, "/api/v1/status names the store's problem")
        let up = upLine.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        #expect(up == 0, "streamproc_store_up while the store is down: \(upLine ?? "absent")")
        try await Task.sleep(for: .seconds(22))
        #expect(a.child.isRunning, "the processor survives the outage")
        _ = try await cluster.start()
        try await rig.assertExact(alive: [a], timeoutS: 200)
        #expect(a.child.log().contains("state store reachable again"))
    }
}
