import Foundation
import LoadKit

/// One `bench run` step's load, offered from a separate process so that no event is signed
/// or enqueued on the measured process: the step's pre-signed events are written to
/// `<pathPrefix>.jsonl` (one record value per line) and `<pathPrefix>.keys` (their record
/// keys, line for line), then ``start(rate:)`` runs `bench produce --input … --record-keys …
/// --count N --rate R --compression lz4 --progress-ms 100`, which offers them on the schedule
/// `min(N, R × elapsed)`, stamps each record's CreateTime with the wall clock at enqueue
/// (**ms**), and exits once every record is acknowledged.
///
/// ``produced()`` is the child's own count of enqueued records as it last reported it (every
/// 100 ms on its standard output), or all N once it exited cleanly.
final class RunProducer {
    /// Events of the step (the child's `--count`).
    let count: Int
    /// The values file and the record-keys file.
    let valuesPath: String, keysPath: String
    private let command: RunProducerCommand
    private let logPrefix: String
    private var child: BenchChild?
    private var lastProduced = 0
    private var reapedCPUAtStart = 0.0

    /// Writes `events` to `<pathPrefix>.jsonl` and `<pathPrefix>.keys`; the child is not started yet.
    /// - Throws: ``RunError`` when a value contains a newline (it would split into two records)
    ///   or a file cannot be written.
    init(events: [GeneratedEvent], pathPrefix: String, command: RunProducerCommand) throws {
        count = events.count
        valuesPath = pathPrefix + ".jsonl"
        keysPath = pathPrefix + ".keys"
        self.command = command
        logPrefix = pathPrefix + "-produce"
        let valuesOut = try GenerateOutputFile(valuesPath), keysOut = try GenerateOutputFile(keysPath)
        defer { try? valuesOut.close(); try? keysOut.close() }
        // In chunks of 10,000 events, so the copy beside `events` stays small.
        for chunkStart in stride(from: 0, to: events.count, by: 10_000) {
            var values: [UInt8] = [], keys: [UInt8] = []
            for i in chunkStart..<min(chunkStart + 10_000, events.count) {
                let e = events[i]
                guard !e.value.contains(0x0A), !e.key.contains(0x0A) else {
                    throw RunError("event \(i) of \(pathPrefix) contains a newline: it cannot be written one per line")
                }
                values += e.value; values.append(0x0A)
                keys += e.key; keys.append(0x0A)
            }
            try valuesOut.write(values)
            try keysOut.write(keys)
        }
    }

    /// Starts the `bench produce` child offering the events at `rate` events/s; returns at once.
    /// - Throws: when the child cannot be started.
    func start(rate: Double) throws {
        var arguments = ["produce", "--brokers", command.brokers, "--topic", command.topic,
                         "--input", valuesPath, "--record-keys", keysPath, "--count", String(count),
                         "--rate", String(rate), "--compression", "lz4", "--progress-ms", "100"]
        if let path = command.kafkaConfig { arguments += ["--kafka-config", path] }
        reapedCPUAtStart = ProcFS.reapedChildrenCPUSeconds()
        let started = try BenchChild(name: "bench produce", executable: command.benchPath, arguments: arguments,
                                     logPrefix: logPrefix)
        child = started
        RunChildSignals.producer.store(started.pid, ordering: .relaxed)
    }

    /// Whether the child still runs.
    var isRunning: Bool { child?.isRunning ?? false }

    /// Records the child enqueued so far: ``count`` once it exited with status 0, otherwise the
    /// last `sent N` line of its standard output (at most 100 ms old; never decreasing).
    /// - Throws: ``RunError`` when the child exited with another status.
    func produced() throws -> Int {
        guard let child else { return 0 }
        if !child.isRunning {
            guard child.exitStatus == 0 else {
                throw RunError("bench produce exited (\(child.exitStatus)); see \(child.stderrPath)")
            }
            lastProduced = count
            return count
        }
        if let text = ProcFS.read(child.stdoutPath),
           let line = text.split(separator: "\n").last(where: { $0.hasPrefix("sent ") }),
           let n = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            lastProduced = max(lastProduced, n)
        }
        return lastProduced
    }

    /// The child's user + system CPU **seconds** since its start: `/proc/<pid>/stat` while it
    /// runs, its whole lifetime's (getrusage RUSAGE_CHILDREN since ``start(rate:)``) once it was
    /// reaped, so a child that exits inside a window is still accounted for. Assumes no other
    /// child of this process is reaped meanwhile (`bench run` finishes each step's producer
    /// before the next starts; the mock broker runs until the end). 0 before the start.
    var cpuSeconds: Double {
        guard let child else { return 0 }
        if child.isRunning, let s = child.cpuSeconds { return s }
        return ProcFS.reapedChildrenCPUSeconds() - reapedCPUAtStart
    }

    /// Stops the child if it still runs (SIGTERM, then SIGKILL), removes both files and returns
    /// the records it produced: ``count`` after a clean exit, else the last number it reported
    /// (records still in its queue when stopped are lost, those in flight may still arrive).
    func finish() async -> Int {
        let produced = (try? produced()) ?? lastProduced
        RunChildSignals.producer.store(0, ordering: .relaxed)
        await child?.stop(graceS: 2)
        for path in [valuesPath, keysPath] { try? FileManager.default.removeItem(atPath: path) }
        return produced
    }
}
