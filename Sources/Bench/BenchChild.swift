import Foundation

/// A child process of `bench drain` / `bench soak` / `bench run` (mock broker, producer, processor) with its
/// standard output and standard error in log files, and what Linux's `/proc/<pid>` tells of it
/// while it runs: CPU seconds and resident memory.
///
/// `/proc` is read while the child is alive (a reaped child's figures are gone), so callers
/// sample ``cpuSeconds`` and ``peakRSSBytes`` before they stop it.
final class BenchChild: @unchecked Sendable {
    /// A short name for messages (`broker`, `processor`, …).
    let name: String
    /// The file that receives the child's standard output.
    let stdoutPath: String
    /// The file that receives the child's standard error.
    let stderrPath: String
    private let process = Process()

    /// Starts `executable arguments`; output goes to `<logPrefix>.out` and `<logPrefix>.err`.
    /// - Throws: when a log file cannot be created or the executable cannot be started.
    init(name: String, executable: String, arguments: [String], logPrefix: String) throws {
        self.name = name
        stdoutPath = logPrefix + ".out"
        stderrPath = logPrefix + ".err"
        for path in [stdoutPath, stderrPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw RunError("cannot create \(path)")
            }
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The folder of this executable (`/proc/self/exe`), where the other product of the same
    /// build (`streamproc` beside `bench`) is.
    static func binDirectory() throws -> String {
        URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .deletingLastPathComponent().path
    }

    /// Starts `streamproc mock-broker --partitions P [--topics T,…]` (name `mock-broker`); its
    /// first standard-output line is the bootstrap address (``firstStdoutLine(timeoutS:)``).
    static func mockBroker(streamproc: String, partitions: Int, topics: [String] = [], logPrefix: String) throws -> BenchChild {
        try BenchChild(name: "mock-broker", executable: streamproc,
                       arguments: ["mock-broker", "--partitions", String(partitions)]
                           + (topics.isEmpty ? [] : ["--topics", topics.joined(separator: ",")]),
                       logPrefix: logPrefix)
    }

    /// The child's process id.
    var pid: Int32 { process.processIdentifier }
    /// Whether the child still runs.
    var isRunning: Bool { process.isRunning }
    /// The exit status once it exited.
    var exitStatus: Int32 { process.terminationStatus }

    /// User + system CPU **seconds** so far (`/proc/<pid>/stat` utime + stime), nil once gone.
    var cpuSeconds: Double? { ProcFS.read("/proc/\(pid)/stat").flatMap { ProcFS.cpuSeconds(stat: $0) } }
    /// Peak resident set size so far, **bytes** (`VmHWM` of `/proc/<pid>/status`), nil once gone.
    var peakRSSBytes: Int? { ProcFS.read("/proc/\(pid)/status").flatMap { ProcFS.statusBytes($0, field: "VmHWM") } }
    /// Current resident set size, **bytes** (`VmRSS`), nil once gone.
    var rssBytes: Int? { ProcFS.read("/proc/\(pid)/status").flatMap { ProcFS.statusBytes($0, field: "VmRSS") } }

    /// The first line of the child's standard output, polled every 20 ms for at most `timeoutS` seconds.
    /// - Throws: ``RunError`` when the child exits or the time runs out first.
    func firstStdoutLine(timeoutS: Double) async throws -> String {
        let deadline = Date().addingTimeInterval(timeoutS)
        while Date() < deadline {
            if let text = ProcFS.read(stdoutPath), let nl = text.firstIndex(of: "\n") {
                return String(text[..<nl])
            }
            guard isRunning else { throw RunError("\(name) exited (\(exitStatus)) before printing a line; see \(stderrPath)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RunError("\(name) printed nothing within \(Int(timeoutS)) s; see \(stderrPath)")
    }

    /// Waits (polling every 20 ms) until the child exits, at most `timeoutS` seconds; true when it did.
    @discardableResult
    func waitExit(timeoutS: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeoutS)
        while isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !isRunning
    }

    /// SIGTERM, then SIGKILL if it still runs after `graceS` seconds; waits for the exit.
    func stop(graceS: Double = 10) async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if await waitExit(timeoutS: graceS) { return }
        kill(pid, SIGKILL)
        await waitExit(timeoutS: 5)
    }
}
