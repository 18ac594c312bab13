import Foundation
import Testing

/// Signals to real `streamproc` processes (``SignalWatcher``): exactly one SIGINT or SIGTERM
/// must stop `streamproc run` gracefully (exit 0 after "draining", "flushing", "committed";
/// a lost first signal shows as a process still running, a second one as exit 130), at
/// several moments after it is ready; SIGHUP reloads the key registry and is no interrupt;
/// one SIGTERM stops `streamproc mock-broker`.
///
/// "Ready" is the "dashboard at" line (printed once the HTTP server listens, after the
/// handlers are installed) or "partitions assigned". Run with the process-level group of
/// `scripts/test.sh` (its own `swift test` process, beside the exactly-once processes).
@Suite("Signals to streamproc processes", .serialized)
struct ProcessSignalTests {
    /// Seconds a graceful stop may take in a debug build on a busy 2-core machine (it takes 1–2 s).
    static let exitBoundS = 45.0

    /// `streamproc` arguments of the embedded default with its dashboard on `port` and the load
    /// generator at 100 events/s (no word contains a space, so they also join into a shell line).
    static func embeddedRunArguments(port: Int) -> [String] {
        ["run", "--http", "127.0.0.1:\(port)", "--load-rate", "100", "--summary-s", "0"]
    }

    /// `streamproc run` arguments against `brokers` (a `streamproc mock-broker` child) with the
    /// test key registry, a fresh consumer group and its dashboard on `port`.
    static func brokerRunArguments(brokers: String, port: Int) -> [String] {
        ["run", "--brokers", brokers, "--keys", PipelineTestSupport.keysPath, "--http", "127.0.0.1:\(port)",
         "--group", "signals-\(UInt32.random(in: 0...UInt32.max))", "--summary-s", "0"]
    }

    /// Waits until `child`'s log contains `line`.
    static func waitForLine(_ child: Child, _ line: String, timeoutS: Double = 90) async throws {
        _ = try await ProcessHarness.waitFor("\"\(line)\" in \(child.logPath)", timeoutS: timeoutS, everyMs: 20) { () async throws -> Bool? in
            guard child.isRunning else {
                throw ProcessHarness.Failure("\(child.name) exited (\(child.exitStatus ?? -1)) before \"\(line)\": \(child.log().suffix(2000))")
            }
            return child.log().contains(line) ? true : nil
        }
    }

    /// Asserts that `child` exits by itself within ``exitBoundS`` with status 0 after the
    /// graceful-stop lines, and without the second-signal path. Returns whether it did and
    /// the seconds it took.
    @discardableResult
    static func expectGracefulExit(_ child: Child, after what: String) async -> (ok: Bool, seconds: Double) {
        let sent = Date()
        let exited = await child.waitExit(timeoutS: exitBoundS)
        let seconds = Date().timeIntervalSince(sent)
        let log = child.log()
        #expect(exited, "\(child.name): still running \(exitBoundS) s after \(what) (the signal was lost): \(log.suffix(1500))")
        guard exited else { return (false, seconds) }
        let statusOK = child.exitStatus == 0
        #expect(statusOK, "\(child.name): exit status \(child.exitStatus ?? -1) after \(what): \(log.suffix(1500))")
        var linesOK = true
        for word in ["draining", "flushing", "committed"] {
            let found = log.contains(word)
            #expect(found, "\(child.name): no \"\(word)\" line after \(what): \(log.suffix(1500))")
            linesOK = linesOK && found
        }
        let firstSignal = !log.contains("second signal")
        #expect(firstSignal, "\(child.name): took \(what) for a second signal")
        return (statusOK && linesOK && firstSignal, seconds)
    }

    /// A process started with SIGINT ignored (as a non-interactive shell starts a background
    /// job: `trap '' INT` then `exec`) and sent one SIGINT before it is ready must not run on:
    /// the signal ends it (default action, before the watcher) or stops it gracefully (after).
    /// Sent 100 and 300 ms after the exec: from the exec until `main` runs (the dynamic
    /// loader, a few tens of ms) the inherited disposition still holds, and nothing can reset it.
    @Test(.timeLimit(.minutes(3)))
    func earlySIGINTWithInheritedIgnoreIsNotLost() async throws {
        let exe = try ProcessHarness.binary("streamproc")
        let dir = try ProcessHarness.tempDir("sigint-ignored")
        let kids = ChildSet()
        defer { kids.killAll() }
        var outcomes: [String] = []
        for (i, delayMs) in [100, 300].enumerated() {
            let port = try ProcessHarness.freePort()
            let run = try kids.spawn(name: "run-ignored-\(i)", exe: "/bin/sh",
                                     args: ["-c", "trap '' INT; exec \"$0\" " + Self.embeddedRunArguments(port: port).joined(separator: " "), exe],
                                     logPath: dir + "/run-\(i).log")
            // Once the shell has exec'd streamproc (the pid stays the same): before that the
            // shell itself would ignore the signal.
            _ = try await ProcessHarness.waitFor("exec of streamproc", timeoutS: 10, everyMs: 1) { () async throws -> Bool? in
                let comm = (try? String(contentsOfFile: "/proc/\(run.pid)/comm", encoding: .utf8)) ?? ""
                return comm.hasPrefix("streamproc") ? true : nil
            }
            try await Task.sleep(for: .milliseconds(delayMs))
            run.signal(SIGINT)
            let exited = await run.waitExit(timeoutS: Self.exitBoundS)
            #expect(exited, "one SIGINT \(delayMs) ms after exec with SIGINT inherited as ignored was lost: \(run.log().suffix(1500))")
            outcomes.append("\(delayMs) ms after exec: " + (exited ? "exit \(run.exitStatus ?? -1)" : "still running"))
            run.forceKill()
        }
        print("earlySIGINTWithInheritedIgnoreIsNotLost: " + outcomes.joined(separator: ", "))
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The embedded default (mock cluster, load generator at 100 events/s), eight times: one
    /// SIGINT at the first moment the process is ready, or up to 2 s later, before or after
    /// its partitions are assigned.
    @Test(.timeLimit(.minutes(8)))
    func oneSIGINTStopsRunGracefully() async throws {
        let exe = try ProcessHarness.binary("streamproc")
        let dir = try ProcessHarness.tempDir("sigint")
        let kids = ChildSet()
        defer { kids.killAll() }
        let moments: [(line: String, delayS: Double)] = [
            ("dashboard at http://", 0), ("dashboard at http://", 0.05), ("dashboard at http://", 0.3),
            ("dashboard at http://", 1), ("partitions assigned", 0), ("partitions assigned", 0.5),
            ("partitions assigned", 2), ("dashboard at http://", 0.01),
        ]
        var tally: [String] = []
        var allOK = true
        for (i, moment) in moments.enumerated() {
            let port = try ProcessHarness.freePort()
            let run = try kids.spawn(name: "run-\(i)", exe: exe,
                                     args: Self.embeddedRunArguments(port: port),
                                     logPath: dir + "/run-\(i).log")
            try await Self.waitForLine(run, moment.line)
            if moment.delayS > 0 { try await Task.sleep(for: .seconds(moment.delayS)) }
            run.signal(SIGINT)
            let what = "one SIGINT \(moment.delayS) s after \"\(moment.line)\""
            let (ok, seconds) = await Self.expectGracefulExit(run, after: what)
            allOK = allOK && ok
            tally.append("\(what): " + (run.isRunning ? "still running" : "exit \(run.exitStatus ?? -1) in \(String(format: "%.1f", seconds)) s"))
            run.forceKill()
        }
        print("oneSIGINTStopsRunGracefully:\n  " + tally.joined(separator: "\n  "))
        if allOK { try? FileManager.default.removeItem(atPath: dir) } else { print("\(dir): logs kept") }
    }

    /// `streamproc run --keys` against a mock broker process: two SIGHUPs reload the registry,
    /// then one SIGTERM stops it gracefully (the reloads did not count as interrupts); one
    /// SIGTERM then stops the mock broker with status 0.
    @Test(.timeLimit(.minutes(3)))
    func hangupReloadsThenOneSIGTERMStops() async throws {
        let dir = try ProcessHarness.tempDir("sighup")
        let kids = ChildSet()
        defer { kids.killAll() }
        let (broker, brokers) = try await EO.startBrokerChild(kids, dir: dir, partitions: 2)
        let port = try ProcessHarness.freePort()
        let run = try kids.spawn(name: "run", exe: try ProcessHarness.binary("streamproc"),
                                 args: Self.brokerRunArguments(brokers: brokers, port: port), logPath: dir + "/run.log")
        try await Self.waitForLine(run, "dashboard at http://")
        for n in 1...2 {
            run.signal(SIGHUP)
            _ = try await ProcessHarness.waitFor("reload \(n) in \(run.logPath)", timeoutS: 30, everyMs: 20) { () async throws -> Bool? in
                guard run.isRunning else { throw ProcessHarness.Failure("run exited on SIGHUP: \(run.log().suffix(2000))") }
                return run.log().components(separatedBy: "key registry reloaded").count - 1 >= n ? true : nil
            }
        }
        run.signal(SIGTERM)
        let (ok, _) = await Self.expectGracefulExit(run, after: "two SIGHUPs and one SIGTERM")

        broker.signal(SIGTERM)
        let brokerExited = await broker.waitExit(timeoutS: 30)
        #expect(brokerExited, "mock-broker still running 30 s after one SIGTERM")
        #expect(broker.exitStatus == 0, "mock-broker exit status \(broker.exitStatus ?? -1): \(broker.log().suffix(1500))")
        if ok && broker.exitStatus == 0 { try? FileManager.default.removeItem(atPath: dir) } else { print("\(dir): logs kept") }
    }
    /// One SIGTERM while the state store is unreachable at startup (`--store` names a port
    /// nobody listens on): nothing was consumed, so the process ends with status 0 and says
    /// why, and the HTTP server is shut down gracefully rather than cancelled (which logged
    /// Hummingbird's "Waiting on child channel: CancellationError()" at error level).
    @Test(.timeLimit(.minutes(3)))
    func sigtermWhileStoreUnreachableAtStartup() async throws {
        let dir = try ProcessHarness.tempDir("sigterm-store-down")
        let kids = ChildSet()
        defer { kids.killAll() }
        let (_, brokers) = try await EO.startBrokerChild(kids, dir: dir, partitions: 2)
        let deadStore = try ProcessHarness.freePort()
        let run = try kids.spawn(name: "run", exe: try ProcessHarness.binary("streamproc"),
                                 args: Self.brokerRunArguments(brokers: brokers, port: try ProcessHarness.freePort())
                                     + ["--store", "postgres://streamproc:streamproc@127.0.0.1:\(deadStore)/none"],
                                 logPath: dir + "/run.log")
        try await Self.waitForLine(run, "dashboard at http://")
        try await Task.sleep(for: .seconds(1))
        run.signal(SIGTERM)
        let exited = await run.waitExit(timeoutS: Self.exitBoundS)
        let log = run.log()
        #expect(exited, "still running \(Self.exitBoundS) s after one SIGTERM: \(log.suffix(1500))")
        #expect(run.exitStatus == 0, "exit status \(run.exitStatus ?? -1): \(log.suffix(1500))")
        #expect(log.contains("shut down before the state store was reachable"), "\(log.suffix(1500))")
        #expect(!log.contains("Waiting on child channel"), "\(log.suffix(1500))")
        #expect(!log.contains("Server shutdown error"), "\(log.suffix(1500))")
        #expect(!log.contains("second signal"))
        if run.exitStatus == 0 { try? FileManager.default.removeItem(atPath: dir) } else { print("\(dir): logs kept") }
    }
    /// A `--store` whose password the server refuses (SQLSTATE 28P01) before the store ever
    /// answered is a configuration mistake: `streamproc run` exits with status 1 and the
    /// server's reason on its last line, never the password, instead of retrying for ever.
    @Test(.timeLimit(.minutes(3)))
    func refusedStoreLoginAtStartupExits() async throws {
        let url = try await EO.postgresServer()
        let password = "not-the-password-\(UInt32.random(in: 0...UInt32.max))"
        guard let at = url.range(of: "@"), let colon = url[..<at.lowerBound].range(of: ":", options: .backwards),
              url[..<colon.lowerBound].contains("://") else {
            throw ProcessHarness.Failure("STREAMPROC_TEST_POSTGRES has no user:password@ part: \(url)")
        }
        let wrong = url[..<colon.upperBound] + password + url[at.lowerBound...]
        let dir = try ProcessHarness.tempDir("store-refused")
        let kids = ChildSet()
        defer { kids.killAll() }
        let (_, brokers) = try await EO.startBrokerChild(kids, dir: dir, partitions: 2)
        let run = try kids.spawn(name: "run", exe: try ProcessHarness.binary("streamproc"),
                                 args: Self.brokerRunArguments(brokers: brokers, port: try ProcessHarness.freePort())
                                     + ["--store", String(wrong)],
                                 logPath: dir + "/run.log")
        let exited = await run.waitExit(timeoutS: 60)
        let log = run.log()
        #expect(exited, "still running 60 s after start with a refused --store login: \(log.suffix(1500))")
        run.forceKill()
        #expect(run.exitStatus == 1, "exit status \(run.exitStatus ?? -1): \(log.suffix(1500))")
        let last = log.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("streamproc: error:") && last.contains("28P01") && last.contains("password authentication failed"),
                "last line: \(last)")
        #expect(!log.contains(password), "the password is in the log")
        if run.exitStatus == 1 { try? FileManager.default.removeItem(atPath: dir) } else { print("\(dir): logs kept") }
    }
}
