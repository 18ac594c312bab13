import Foundation
import Testing
import StreamProcTesting

/// The README's shell blocks, run as written (issue 14).
///
/// Each test reads `README.md`, takes the ```` ```sh ```` block that follows a
/// `<!-- test: NAME -->` comment and runs its commands with `bash` in a fresh directory, so an
/// edited README is what is tested. Only what cannot run here as written is substituted
/// (``ReadmeBlock/Substitutions``):
/// - `apt-get …` and `swift build …` steps are skipped: the tests run on the debug build
///   `swift build --build-tests` made, and `.build/release/` becomes `<repo>/.build/debug/`;
/// - `../shared/` becomes the shared folder (``SharedFixtures/root``);
/// - the mock broker's example address becomes the address it printed, `--http HOST:PORT`
///   a free port, and the embedded run gets a free port through `STREAMPROC_HTTP`;
/// - `bench` runs get shorter steps through its own flags (``benchShortening``), as
///   `bench run --help` documents them.
///
/// A command that ends with `&` runs in the background (its first output line is read);
/// a `streamproc` processor (the default command or `run`) runs in the background until
/// the block's checks are done and is then stopped with SIGINT, which must exit 0 after the
/// "draining", "flushing" and "committed" lines. Every other command must exit 0.
@Suite(.serialized)
struct ReadmeCommandsTests {
    /// Flags appended to `bench run` (debug build, shared CI machine): two short steps
    /// without refinement instead of `--quick`'s up to twelve 10-second ones.
    static let benchShortening = "--step-seconds 2 --warmup-seconds 1 --max-steps 2 --refine 0"
    /// Flags appended to `bench verify-speed`: one short timed run per figure.
    static let verifySpeedShortening = "--runs 1 --seconds 0.3"

    @Test func everyBlockThatRunsABuiltBinaryIsMarked() throws {
        let blocks = try ReadmeBlock.all()
        let unmarked = blocks.filter { $0.marker == nil && $0.lines.contains { $0.contains(".build/release/") } }
        #expect(unmarked.isEmpty, "README blocks running .build/release/ without <!-- test: NAME --> or <!-- untested: reason -->: \(unmarked.map(\.lines))")
        let names = Set(blocks.compactMap(\.testName))
        #expect(names.isSuperset(of: ["embedded", "corpus", "replay", "bench"]), "marked blocks: \(names.sorted())")
    }

    /// The first command: the embedded default. Counts (closed or provisional) in the API
    /// soon after "partitions assigned", then a clean Ctrl-C.
    @Test func embeddedRun() async throws {
        let block = try ReadmeBlock.named("embedded")
        let run = try ReadmeRun(tag: "embedded")
        defer { run.stopAll() }
        let port = try ProcessHarness.freePort()
        var processor: ReadmeProcess?
        var assignedAt: Date?
        for step in try block.steps(run.substitutions) {
            #expect(!step.background, "the first command runs in the foreground")
            guard step.isProcessor else { try await run.foreground(step); continue }
            let child = try run.background(step, environment: ["STREAMPROC_HTTP": "127.0.0.1:\(port)"])
            processor = child
            assignedAt = try await ProcessHarness.waitFor("partitions assigned (\(child.logPath))", timeoutS: 90, everyMs: 100) {
                child.log().contains("partitions assigned") ? Date() : nil
            }
        }
        let child = try #require(processor, "the embedded block starts streamproc")
        #expect(child.log().contains("dashboard at http://127.0.0.1:\(port)/"))
        let counted = try await ProcessHarness.waitFor("non-zero counts in /api/v1/counts", timeoutS: 60, everyMs: 250) {
            let n = try await ReadmeRun.viewTotal("127.0.0.1:\(port)")
            return n > 0 ? n : nil
        }
        let seconds = Date().timeIntervalSince(try #require(assignedAt))
        print("README embedded run: \(counted) events in /api/v1/counts \(String(format: "%.1f", seconds)) s after \"partitions assigned\" (debug build)")
        // The issue asks for 10 s in the README's (release) build; twice that in a debug build
        // beside other tests. Closed panes only (no provisional counts) took 38–50 s.
        #expect(seconds <= 20, "non-zero counts only \(seconds) s after \"partitions assigned\"")
        try await run.interrupt(child)
    }

    /// Mock broker, kcat produce of the corpus, `streamproc run`, reading the rejected topic:
    /// the counts topic ends with exactly the corpus's expected window counts, the rejected
    /// topic with one record per non-valid line.
    @Test func corpusThroughMockBroker() async throws {
        let block = try ReadmeBlock.named("corpus")
        let run = try ReadmeRun(tag: "corpus")
        defer { run.stopAll() }
        let expectedCounts = try ReadmeRun.expectedCounts()
        let expectedRejected = try ReadmeRun.expectedNonValid()
        var processor: ReadmeProcess?
        var brokers: String?
        var checkedCounts = false
        for step in try block.steps(run.substitutions) {
            if step.background {
                let child = try run.background(step)
                let address = try await ProcessHarness.waitFor("the mock broker's address", timeoutS: 30, everyMs: 50) {
                    child.log().split(separator: "\n").first.map(String.init)
                        .flatMap { $0.range(of: #"^[0-9.]+:[0-9]+(,[0-9.]+:[0-9]+)*$"#, options: .regularExpression) != nil ? $0 : nil }
                }
                brokers = address
                for example in step.followingBrokerAddresses { run.substitutions.replace(example, with: address) }
                continue
            }
            if step.isProcessor {
                let started = Date()
                processor = try run.background(step)
                let b = try #require(brokers, "the mock broker starts first")
                let kcat = try ProcessHarness.tool("kcat")
                let http = try #require(run.substitutions.apply(step.text).firstMatch(of: #/--http ([^ ]+)/#).map { String($0.1) })
                let lines = try SharedFixtures.lines("corpus/v1/events.jsonl").count
                // When every line is processed (the debug build's speed), then how long until
                // the last window is out (the README's flags: idle after 2 s, not 30 s).
                var processedAt: Date?
                let got = try await ProcessHarness.waitFor("the corpus's window counts on ykm.counts.1m", timeoutS: 150, everyMs: 500) {
                    if processedAt == nil, let st = await ProcessHarness.getJSON(http, "/api/v1/status") as? [String: Any],
                       st["events_total"] as? Int == lines {
                        processedAt = Date()
                    }
                    let counts = try await ReadmeRun.countsTopic(kcat: kcat, brokers: b)
                    return counts == expectedCounts ? counts : nil
                }
                let done = Date()
                let closeS = done.timeIntervalSince(processedAt ?? done)
                print("README corpus: \(got.count) window cells (\(got.values.reduce(0, +)) events) on ykm.counts.1m "
                      + "\(String(format: "%.1f", done.timeIntervalSince(started))) s after `streamproc run` started, "
                      + "\(String(format: "%.1f", closeS)) s after its \(lines) lines were processed (debug build)")
                #expect(closeS <= 12, "the last windows closed \(closeS) s after the corpus was processed")
                checkedCounts = true
                continue
            }
            if step.text.contains("ykm.scans.rejected") {
                // Output records are acknowledged before each commit; poll briefly for the last ones.
                let out = try await ProcessHarness.waitFor("\(expectedRejected) rejected records", timeoutS: 20, everyMs: 500) {
                    let o = try await run.foreground(step)
                    let lines = o.text.split(separator: "\n")
                    return lines.count >= expectedRejected ? lines : nil
                }
                #expect(out.count == expectedRejected)
                #expect(out.allSatisfy { $0.hasPrefix("offset ") && $0.contains("verdict=") && $0.contains("source.offset=") })
                continue
            }
            try await run.foreground(step)
        }
        #expect(checkedCounts, "the corpus block runs `streamproc run`")
        try await run.interrupt(try #require(processor))
    }

    /// `streamproc replay` of the corpus prints the corpus's expected totals.
    @Test func offlineReplay() async throws {
        let block = try ReadmeBlock.named("replay")
        let run = try ReadmeRun(tag: "replay")
        defer { run.stopAll() }
        var printed: [String: Any]?
        for step in try block.steps(run.substitutions) {
            let o = try await run.foreground(step, timeoutS: 120)
            if step.text.contains(" replay ") {
                printed = try JSONSerialization.jsonObject(with: o.stdout) as? [String: Any]
            }
        }
        let totals = try #require(printed, "the replay block prints the totals as JSON")
        let expected = try #require(try JSONSerialization.jsonObject(with: SharedFixtures.data("corpus/v1/expected-totals.json")) as? [String: Any])
        #expect(totals["events"] as? Int == expected["events"] as? Int)
        #expect(totals["unattributed"] as? Int == expected["unattributed"] as? Int)
        #expect((totals["by_verdict"] as? [String: Int]) == (expected["by_verdict"] as? [String: Int]))
        // A `--counts-out` file in the block holds the expected window counts.
        let csv = run.directory + "/counts.csv"
        if FileManager.default.fileExists(atPath: csv) {
            let lines = { (path: String) in Set((try String(contentsOfFile: path, encoding: .utf8)).split(separator: "\n").map(String.init)) }
            #expect(try lines(csv) == lines(SharedFixtures.root + "/corpus/v1/expected-counts.csv"))
        }
    }

    /// The Benchmarks block: `bench verify-speed`, `bench run --quick --json > run.json`
    /// (shortened) and `bench plan --from run.json …`.
    @Test func benchQuickRunAndPlan() async throws {
        let block = try ReadmeBlock.named("bench")
        let run = try ReadmeRun(tag: "bench")
        defer { run.stopAll() }
        var planned = false
        for step in try block.steps(run.substitutions) {
            var s = step
            if s.text.contains("bench run") { s.append(Self.benchShortening + " --svg bench-run.svg") }
            if s.text.contains("bench verify-speed") { s.append(Self.verifySpeedShortening) }
            let o = try await run.foreground(s, timeoutS: 150)
            if s.text.contains("bench run") {
                let json = try String(contentsOfFile: run.directory + "/run.json", encoding: .utf8)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                let steps = try #require(object["steps"] as? [[String: Any]])
                #expect(!steps.isEmpty)
                #expect(steps.contains { ($0["achieved"] as? Double ?? 0) > 0 }, "bench run achieved events: \(json.prefix(400))")
            }
            if s.text.contains("bench plan") {
                #expect(o.text.contains("capacity plan for 20000 events/s"))
                #expect(o.text.range(of: #"instances: +[1-9]"#, options: .regularExpression) != nil, "\(o.text)")
                planned = true
            }
            if s.text.contains("bench verify-speed") {
                #expect(o.text.contains("verifications/s"), "\(o.text)")
            }
        }
        #expect(planned, "the Benchmarks block runs `bench plan`")
    }
}

/// One ```` ```sh ```` block of the README and the HTML comment before it.
struct ReadmeBlock {
    /// `test: NAME` or `untested: reason`, from `<!-- … -->` on the line(s) before the fence.
    let marker: String?
    /// The block's lines, `\` continuations joined.
    let lines: [String]

    /// NAME of a `test: NAME` marker.
    var testName: String? {
        guard let m = marker, m.hasPrefix("test:") else { return nil }
        return m.dropFirst(5).trimmingCharacters(in: .whitespaces)
    }

    /// `<repo>/README.md`.
    static var path: String { ProcessHarness.repoRoot + "/README.md" }

    /// Every `sh` block of the README.
    static func all() throws -> [ReadmeBlock] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var blocks: [ReadmeBlock] = []
        var marker: String?
        var current: [String]?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var lines = current {
                if line == "```" {
                    blocks.append(ReadmeBlock(marker: marker, lines: lines))
                    current = nil
                    marker = nil
                } else if let last = lines.last, last.hasSuffix("\\") {
                    lines[lines.count - 1] = String(last.dropLast()) + " " + line
                    current = lines
                } else {
                    lines.append(line)
                    current = lines
                }
                continue
            }
            if line.hasPrefix("<!--") && line.hasSuffix("-->") {
                marker = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
            } else if line == "```sh" {
                current = []
            } else if !line.isEmpty {
                marker = nil
            }
        }
        return blocks
    }

    /// The block marked `<!-- test: name -->`.
    static func named(_ name: String) throws -> ReadmeBlock {
        guard let b = try all().first(where: { $0.testName == name }) else {
            throw ProcessHarness.Failure("README.md has no ```sh block after <!-- test: \(name) -->")
        }
        return b
    }

    /// Textual replacements of the README's commands (see ``ReadmeCommandsTests``).
    final class Substitutions {
        private(set) var pairs: [(String, String)]
        init(pairs: [(String, String)]) { self.pairs = pairs }
        func replace(_ from: String, with to: String) { pairs.append((from, to)) }
        func apply(_ s: String) -> String { pairs.reduce(s) { $0.replacingOccurrences(of: $1.0, with: $1.1) } }
    }

    /// One command of a block: a line, or one part of an `a && b` line.
    struct Step {
        /// The README's text of the command (comment and trailing `&` removed).
        var text: String
        /// Ended with `&`.
        let background: Bool
        /// `-b`/`--brokers` addresses of the block's later lines (the mock broker's example address).
        let followingBrokerAddresses: [String]

        /// A `streamproc` processor: the default command or `run` (not `replay`, `mock-broker`).
        var isProcessor: Bool {
            let words = text.split(separator: " ").map(String.init)
            guard let i = words.firstIndex(where: { $0.hasSuffix("/streamproc") }) else { return false }
            return i + 1 == words.count || words[i + 1] == "run" || words[i + 1].hasPrefix("--")
        }

        /// Appends flags (before a `>` redirection).
        mutating func append(_ flags: String) {
            if let r = text.range(of: " > ") {
                text = String(text[..<r.lowerBound]) + " " + flags + String(text[r.lowerBound...])
            } else {
                text += " " + flags
            }
        }
    }

    /// The block's commands in order, without the steps that cannot run here as written
    /// (`apt-get`, `swift build`: the tests use the build they are part of).
    func steps(_ substitutions: Substitutions) throws -> [Step] {
        var result: [Step] = []
        for (index, line) in lines.enumerated() {
            let code = Self.stripComment(line)
            if code.isEmpty { continue }
            for part in Self.splitAnd(code) {
                var text = part.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("apt-get ") || text.hasPrefix("sudo ") || text.hasPrefix("swift build") { continue }
                let background = text.hasSuffix("&")
                if background { text = String(text.dropLast()).trimmingCharacters(in: .whitespaces) }
                let later = lines[(index + 1)...].flatMap { l -> [String] in
                    let w = l.split(separator: " ").map(String.init)
                    return w.indices.dropLast().filter { w[$0] == "-b" || w[$0] == "--brokers" }.map { w[$0 + 1] }
                }
                result.append(Step(text: text, background: background, followingBrokerAddresses: later))
            }
        }
        if result.isEmpty { throw ProcessHarness.Failure("README block \(marker ?? "") has no command to run") }
        return result
    }

    /// `line` without a `# comment` outside quotes.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (i, c) in zip(line.indices, line) {
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c } else if c == "#" && previous == " " {
                return String(line[..<i]).trimmingCharacters(in: .whitespaces)
            }
            previous = c
        }
        return line.trimmingCharacters(in: .whitespaces)
    }

    /// `a && b` split outside quotes.
    static func splitAnd(_ line: String) -> [String] {
        var parts: [String] = [], current = "", quote: Character?
        var chars = Array(line)[...]
        while let c = chars.first {
            if quote == nil && c == "&" && chars.dropFirst().first == "&" {
                parts.append(current); current = ""; chars = chars.dropFirst(2); continue
            }
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c }
            current.append(c); chars = chars.dropFirst()
        }
        parts.append(current)
        return parts
    }
}

/// Runs a block's steps in a fresh directory and keeps its background children.
final class ReadmeRun: @unchecked Sendable {
    let directory: String
    let substitutions: ReadmeBlock.Substitutions
    private var children: [ReadmeProcess] = []

    init(tag: String) throws {
        directory = try ProcessHarness.tempDir("readme-\(tag)")
        substitutions = ReadmeBlock.Substitutions(pairs: [
            (".build/release/", ProcessHarness.repoRoot + "/.build/debug/"),
            ("../shared/", SharedFixtures.root + "/"),
        ])
        // The README's fixed live-view ports may be taken on a shared machine.
        let readme = (try? String(contentsOfFile: ReadmeBlock.path, encoding: .utf8)) ?? ""
        var seen = Set<String>()
        for match in readme.matches(of: #/--http (127\.0\.0\.1:[0-9]+)/#) where seen.insert(String(match.1)).inserted {
            if let port = try? ProcessHarness.freePort() { substitutions.replace(String(match.1), with: "127.0.0.1:\(port)") }
        }
    }

    /// The bash command line of `step` in ``directory``.
    private func script(_ step: ReadmeBlock.Step, environment: [String: String] = [:], exec: Bool = false) -> String {
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined()
        return "cd '\(directory)' && \(env)\(exec ? "exec " : "")\(substitutions.apply(step.text))"
    }

    /// Runs `step` to completion; it must exit 0.
    @discardableResult
    func foreground(_ step: ReadmeBlock.Step, timeoutS: Double = 60) async throws -> ProcessHarness.Output {
        let line = script(step)
        let o = try await ProcessHarness.run("/bin/bash", ["-c", line], timeoutS: timeoutS, check: false)
        #expect(o.status == 0, "README command exited \(o.status): \(line)\n\(o.stderr.suffix(2000))")
        if o.status != 0 { throw ProcessHarness.Failure("README command failed: \(line)") }
        return o
    }

    /// Starts `step` in the background (bash `exec`s it, so signals reach the command).
    func background(_ step: ReadmeBlock.Step, environment: [String: String] = [:]) throws -> ReadmeProcess {
        let child = try ReadmeProcess(arguments: ["-c", script(step, environment: environment, exec: true)],
                                      logPath: directory + "/background-\(children.count + 1).log")
        children.append(child)
        return child
    }

    /// Ctrl-C: exit 0 after the draining, flushing and committed lines.
    func interrupt(_ child: ReadmeProcess) async throws {
        child.signal(SIGINT)
        let exited = await child.waitExit(timeoutS: 45)
        #expect(exited, "streamproc did not exit within 45 s of SIGINT: \(child.log().suffix(1500))")
        let log = child.log()
        for word in ["draining", "flushing", "committed"] {
            #expect(log.contains(word), "no \"\(word)\" line after SIGINT: \(log.suffix(1500))")
        }
        if exited { #expect(child.exitStatus == 0, "exit status after SIGINT: \(child.log().suffix(1500))") }
    }

    /// SIGKILL to every background child still running (for `defer`; a passing test stopped them).
    func stopAll() {
        for child in children { child.kill() }
    }

    /// Closed plus provisional events of the 1 h view by district.
    static func viewTotal(_ hostPort: String) async throws -> Int {
        guard let body = await ProcessHarness.getJSON(hostPort, "/api/v1/counts?view=1h&by=district") as? [String: Any],
              let rows = body["rows"] as? [[String: Any]] else { return 0 }
        return rows.reduce(0) { sum, row in
            sum + (row["total"] as? Int ?? 0) + ((row["provisional"] as? [String: Any])?["total"] as? Int ?? 0)
        }
    }

    /// `window_start_ms,scenario,district,verdict` → count of the corpus (`expected-counts.csv`).
    static func expectedCounts() throws -> [String: Int] {
        var result: [String: Int] = [:]
        for line in try SharedFixtures.lines("corpus/v1/expected-counts.csv").dropFirst() {
            let fields = String(decoding: line, as: UTF8.self).split(separator: ",").map(String.init)
            guard fields.count == 5, let n = Int(fields[4]) else { continue }
            result[fields[0..<4].joined(separator: ","), default: 0] += n
        }
        return result
    }

    /// Lines of the corpus whose expected verdict is not `valid` (each one rejected record).
    static func expectedNonValid() throws -> Int {
        try SharedFixtures.lines("corpus/v1/expected-verdicts.jsonl").filter {
            (try JSONSerialization.jsonObject(with: $0) as? [String: Any])?["verdict"] as? String != "valid"
        }.count
    }

    /// On-time counts of the counts topic, summed over source partitions, in the shape of ``expectedCounts()``.
    static func countsTopic(kcat: String, brokers: String) async throws -> [String: Int] {
        let o = try await ProcessHarness.run(kcat, ["-b", brokers, "-C", "-t", "ykm.counts.1m", "-e", "-q"], timeoutS: 30)
        var result: [String: Int] = [:]
        for line in o.text.split(separator: "\n") {
            guard let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  r["kind"] as? String == "on_time", let start = r["window_start_ms"] as? Int,
                  let scenario = r["scenario"] as? String, let district = r["district"] as? String,
                  let counts = r["counts"] as? [String: Int] else { continue }
            for (verdict, n) in counts where n > 0 { result["\(start),\(scenario),\(district),\(verdict)", default: 0] += n }
        }
        return result
    }
}

/// A background `bash -c …` whose command `exec`s (so signals reach it); stdout and stderr
/// go to `logPath`.
final class ReadmeProcess: @unchecked Sendable {
    let logPath: String
    private let process = Process()
    private let handle: FileHandle

    init(arguments: [String], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The output so far.
    func log() -> String { String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self) }

    /// Sends `sig` while it runs.
    func signal(_ sig: Int32) { if process.isRunning { Foundation.kill(process.processIdentifier, sig) } }

    /// Polls until it exited, at most `timeoutS` seconds; true when it did.
    func waitExit(timeoutS: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeoutS)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    /// The exit status once exited (128 + n after signal n, as a shell reports it).
    var exitStatus: Int32? {
        guard !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// SIGKILL and reap, when still running.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? handle.close()
    }
}
