import Foundation
import Synchronization
import Testing

/// Process-level test harness for the exactly-once suites (issue 10): locates
/// the built `streamproc`/`bench` binaries, spawns and kills child processes
/// (mock broker, processors, throwaway PostgreSQL clusters), runs short
/// commands (`kcat`, `psql`, `streamproc replay`) and polls HTTP endpoints.
///
/// Every wait is bounded; every child is registered in a ``ChildSet`` whose
/// `killAll()` the tests call in a `defer`, so no process outlives its test.
/// Blocking is limited to short `waitUntilExit` calls after SIGKILL; long waits
/// poll with `Task.sleep`.
enum ProcessHarness {
    /// `<repo>` from this file's path (`<repo>/Tests/StreamProcTests/ProcessHarness.swift`).
    static let repoRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// A failure of the harness or of a precondition, with a message saying what to do.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Absolute path of `.build/<configuration>/<name>`.
    /// - Throws: ``Failure`` naming the build command when the binary is missing.
    static func binary(_ name: String, configuration: String = "debug") throws -> String {
        let path = repoRoot + "/.build/\(configuration)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure("\(path) is missing: build it first with `swift build --build-tests` in \(repoRoot)")
        }
        return path
    }

    /// Absolute path of a tool on PATH (`kcat`, `psql`, …).
    /// - Throws: ``Failure`` when it is not installed.
    static func tool(_ name: String) throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw Failure("`\(name)` is not installed (apt-get install \(name == "psql" ? "postgresql-client" : name))")
    }

    /// A fresh directory `/tmp/eo-<tag>-<random>`.
    static func tempDir(_ tag: String) throws -> String {
        let path = NSTemporaryDirectory() + "eo-\(tag)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Wall clock, ms since the epoch.
    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Result of a finished command: exit status and its captured output.
    struct Output {
        let status: Int32
        let stdout: Data
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `exe args` to completion (stdout/stderr to temporary files, never pipes),
    /// polling every 20 ms; kills it after `timeoutS` seconds.
    /// - Throws: ``Failure`` on timeout, or when `check` and the status is not 0.
    static func run(_ exe: String, _ args: [String], timeoutS: Double = 60, check: Bool = true,
                    environment: [String: String]? = nil) async throws -> Output {
        let dir = NSTemporaryDirectory() + "eo-cmd-\(UInt64.random(in: 0...UInt64.max))"
        let outPath = dir + ".out", errPath = dir + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath); try? FileManager.default.removeItem(atPath: errPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let environment { p.environment = environment }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeoutS)
        while p.isRunning {
            if Date() > deadline {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                try? out.close(); try? err.close()
                throw Failure("timed out after \(timeoutS) s: \(exe) \(args.joined(separator: " "))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        p.waitUntilExit()
        try? out.close(); try? err.close()
        let o = Output(status: p.terminationStatus,
                       stdout: FileManager.default.contents(atPath: outPath) ?? Data(),
                       stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self))
        if check && o.status != 0 {
            throw Failure("\(exe) \(args.joined(separator: " ")) exited \(o.status): \(o.stderr.prefix(2000))")
        }
        return o
    }

    /// Polls `body` every `everyMs` until it returns non-nil, for at most `timeoutS` seconds.
    /// - Throws: ``Failure`` naming `what` on timeout (with the last error, if any).
    static func waitFor<T>(_ what: String, timeoutS: Double, everyMs: Int = 250,
                           _ body: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(timeoutS)
        var last: (any Error)?
        while true {
            do {
                if let v = try await body() { return v }
            } catch { last = error }
            if Date() > deadline {
                throw Failure("timed out after \(timeoutS) s waiting for \(what)" + (last.map { " (last error: \($0))" } ?? ""))
            }
            try await Task.sleep(for: .milliseconds(everyMs))
        }
    }

    /// GET `http://<hostPort><path>` as parsed JSON, nil on any error (connection refused while starting).
    static func getJSON(_ hostPort: String, _ path: String) async -> Any? {
        guard let data = await get(hostPort, path) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    /// GET `http://<hostPort><path>` with `curl` (2 s limit), nil unless HTTP 200.
    static func get(_ hostPort: String, _ path: String) async -> Data? {
        guard let o = try? await run("/usr/bin/curl", ["-sf", "--max-time", "2", "http://\(hostPort)\(path)"],
                                     timeoutS: 5, check: false), o.status == 0 else { return nil }
        return o.stdout
    }

    /// A free loopback TCP port (bound then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        guard bound == 0 else { throw Failure("bind() failed") }
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw Failure("getsockname() failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// One spawned long-running child process; stdout and stderr go to `logPath`.
///
/// Threading: the methods may be called from any task; `Process` is only
/// touched for `run`, `isRunning` and `waitUntilExit`.
final class Child: @unchecked Sendable {
    let name: String
    let logPath: String
    private let process: Process
    private let handle: FileHandle

    /// Starts `exe args`, appending its output to `logPath`.
    /// - Throws: when the executable cannot be started.
    init(name: String, exe: String, args: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The exit status once exited (128 + n after an uncaught signal n, as a shell reports
    /// it); nil while it runs.
    var exitStatus: Int32? {
        guard !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Sends `sig` if the child still runs.
    func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// Polls until the child exited, at most `timeoutS` seconds; true when it did.
    @discardableResult
    func waitExit(timeoutS: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeoutS)
        while process.isRunning && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !process.isRunning
    }

    /// SIGKILL and wait for the exit.
    func kill9() async {
        signal(SIGKILL)
        await waitExit(timeoutS: 10)
    }

    /// SIGTERM (graceful), then SIGKILL if still running after `graceS` seconds.
    /// Returns true when the child left by itself within the grace period.
    @discardableResult
    func terminate(graceS: Double = 20) async -> Bool {
        signal(SIGTERM)
        if await waitExit(timeoutS: graceS) { return true }
        await kill9()
        return false
    }

    /// Synchronous last resort for `defer`: SIGCONT (in case it was stopped), SIGKILL, reap.
    func forceKill() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? handle.close()
    }

    /// The log so far.
    func log() -> String {
        String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
    }
}

/// All children one test started; `killAll()` in a `defer` ends every one of them.
final class ChildSet: @unchecked Sendable {
    private let children = Mutex<[Child]>([])

    /// Spawns and registers a child.
    func spawn(name: String, exe: String, args: [String], logPath: String) throws -> Child {
        let c = try Child(name: name, exe: exe, args: args, logPath: logPath)
        children.withLock { $0.append(c) }
        return c
    }

    /// SIGKILLs every registered child that still runs (synchronous, for `defer`).
    func killAll() {
        for c in children.withLock({ $0 }) { c.forceKill() }
    }
}
