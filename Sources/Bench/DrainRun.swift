import Foundation

/// One backlog drain, every part in its own process: a fresh `streamproc mock-broker`, a
/// `bench produce --count N` child that fills the input topic and exits once all records are
/// acknowledged, then `streamproc run` against that backlog, polled (``StatusProbe``, every
/// 100 ms) until the events it counted (`streamproc_events_total` of `/metrics`) reach N. CPU and memory come from `/proc/<pid>` of each child.
struct DrainRun {
    /// Folder of the `streamproc` and `bench` executables (the same build).
    let binDirectory: String
    /// The pre-signed events.
    let workload: DrainWorkload
    /// Partitions of every topic of the mock broker.
    let partitions: Int
    /// `compression.codec` of the backlog producer.
    let compression: String
    /// Give up when `events_total` does not move for this many seconds.
    let stallTimeoutS: Double
    /// Folder for the children's logs.
    let logDirectory: String

    /// Runs one drain; `store` is the processor's `--store` URL (nil: state in memory).
    /// - Throws: ``RunError`` when a child fails or the drain stalls; every child is stopped first.
    func run(index: Int, configuration: String, store: String?) async throws -> DrainResult {
        let log = logDirectory + "/run\(index)-\(configuration)"
        let broker = try BenchChild.mockBroker(streamproc: binDirectory + "/streamproc", partitions: partitions,
                                               logPrefix: log + "-broker")
        var processor: BenchChild?
        do {
            let result = try await drain(broker: broker, store: store, configuration: configuration, log: log) { processor = $0 }
            await processor?.stop()
            await broker.stop()
            return result
        } catch {
            await processor?.stop()
            await broker.stop()
            throw error
        }
    }

    private func drain(broker: BenchChild, store: String?, configuration: String, log: String,
                       started: (BenchChild) -> Void) async throws -> DrainResult {
        let bootstrap = try await broker.firstStdoutLine(timeoutS: 30)
        let n = workload.events

        // Fill the backlog from a separate process.
        RunProgress.bar("\(configuration)", fraction: 0, detail: "producing \(n) events to \(bootstrap)")
        let reaped0 = ProcFS.reapedChildrenCPUSeconds()
        let p0 = Date()
        let producer = try BenchChild(
            name: "bench produce", executable: binDirectory + "/bench",
            arguments: ["produce", "--brokers", bootstrap, "--input", workload.eventsPath, "--record-keys", workload.recordKeysPath,
                        "--count", String(n), "--rate", "100000000", "--compression", compression],
            logPrefix: log + "-produce")
        await producer.waitExit(timeoutS: .infinity)
        let produceS = Date().timeIntervalSince(p0)
        let producerCPU = ProcFS.reapedChildrenCPUSeconds() - reaped0
        guard producer.exitStatus == 0 else { throw RunError("bench produce exited \(producer.exitStatus); see \(producer.stderrPath)") }

        // Drain it.
        let port = try Self.freePort()
        var args = ["run", "--brokers", bootstrap, "--keys", workload.keysPath, "--http", "127.0.0.1:\(port)",
                    "--summary-s", "0", "--log-level", "warning"]
        if let store { args += ["--store", store] }
        let loadStart = ProcFS.loadAverage1() ?? 0
        let brokerCPU0 = broker.cpuSeconds ?? 0
        let t0 = Date()
        let processor = try BenchChild(name: "streamproc run", executable: binDirectory + "/streamproc", arguments: args,
                                       logPrefix: log + "-processor")
        started(processor)
        let probe = StatusProbe(port: UInt16(port))
        var assignedS: Double?, firstEventS: Double?, cpuAtFirstEvent = 0.0
        var threadsAtFirstEvent: [String: Double] = [:]
        // (time s, cpu s) where events_total crossed 10 % and 90 % of n, interpolated between polls.
        var at10: (Double, Double)?, at90: (Double, Double)?
        var previous: (t: Double, counted: Double, cpu: Double) = (0, 0, 0)
        var last: UInt64 = 0, lastChange = Date()
        while true {
            guard processor.isRunning else {
                throw RunError("streamproc run exited (\(processor.exitStatus)); see \(processor.stderrPath)")
            }
            let cpu = processor.cpuSeconds ?? 0
            if assignedS == nil, let status = probe.fetch(), !status.partitions.isEmpty { assignedS = Date().timeIntervalSince(t0) }
            let counted = probe.countedEvents()
            let now = Date()
            if let counted {
                if firstEventS == nil && counted > 0 {
                    firstEventS = now.timeIntervalSince(t0); cpuAtFirstEvent = cpu
                    threadsAtFirstEvent = ProcFS.threadCPUSeconds(pid: processor.pid)
                }
                if counted != last { last = counted; lastChange = now }
                let t = now.timeIntervalSince(t0), c = Double(counted)
                func crossing(_ mark: Double) -> (Double, Double)? {
                    guard previous.counted < mark, c >= mark else { return nil }
                    let f = (mark - previous.counted) / max(c - previous.counted, 1)
                    return (previous.t + f * (t - previous.t), previous.cpu + f * (cpu - previous.cpu))
                }
                if at10 == nil { at10 = crossing(0.1 * Double(n)) }
                if at90 == nil { at90 = crossing(0.9 * Double(n)) }
                previous = (t, c, cpu)
                if counted >= UInt64(n) {
                    let drainS = now.timeIntervalSince(t0)
                    let threads = ProcFS.threadCPUSeconds(pid: processor.pid)
                        .map { ($0.key, $0.value - (threadsAtFirstEvent[$0.key] ?? 0)) }
                        .filter { $0.1 >= 0.05 }.sorted { $0.1 > $1.1 }
                    RunProgress.line("\(configuration): processor CPU s by thread from the first event to the last: "
                                     + threads.map { "\($0.0) \(fmt($0.1, 2))" }.joined(separator: ", ")
                                     + " (over \(fmt(drainS - (firstEventS ?? 0), 2)) s)")
                    let result = DrainResult(
                        configuration: configuration, events: n, drainS: drainS, assignedS: assignedS ?? drainS,
                        firstEventS: firstEventS ?? drainS, processorCPUS: processor.cpuSeconds ?? cpu,
                        processorDrainCPUS: (processor.cpuSeconds ?? cpu) - cpuAtFirstEvent,
                        brokerCPUS: (broker.cpuSeconds ?? brokerCPU0) - brokerCPU0, producerCPUS: producerCPU,
                        produceS: produceS, processorPeakRSSBytes: processor.peakRSSBytes ?? 0,
                        middleS: at10.flatMap { a in at90.map { $0.0 - a.0 } } ?? 0,
                        middleCPUS: at10.flatMap { a in at90.map { $0.1 - a.1 } } ?? 0,
                        loadStart: loadStart, loadEnd: ProcFS.loadAverage1() ?? 0)
                    RunProgress.line("\(configuration): 10 % → 90 % of the backlog at \(fmt(result.middleEventsPerS, 0))/s, "
                                     + "\(fmt(result.middleCPUMicrosPerEvent, 1)) CPU µs/event, \(fmt(result.middleCores, 2)) cores busy")
                    RunProgress.line("\(configuration): \(n) events in \(fmt(drainS, 2)) s = \(fmt(result.eventsPerS, 0))/s, "
                                     + "processor \(fmt(result.processorCPUS, 2)) CPU s (\(fmt(result.cpuMicrosPerEvent, 1)) µs/event), "
                                     + "broker \(fmt(result.brokerCPUS, 2)) CPU s, load \(fmt(loadStart, 2)) → \(fmt(result.loadEnd, 2))")
                    return result
                }
            }
            if now.timeIntervalSince(lastChange) > stallTimeoutS {
                throw RunError("streamproc_events_total stayed at \(last) of \(n) for \(Int(stallTimeoutS)) s: the mock broker keeps only "
                               + "~5 MB per partition (use more --partitions or fewer --events); see \(processor.stderrPath)")
            }
            RunProgress.bar("\(configuration)", fraction: Double(last) / Double(n),
                            detail: "\(last)/\(n) events, \(fmt(now.timeIntervalSince(t0), 1)) s")
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A free loopback TCP port (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RunError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw RunError("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
