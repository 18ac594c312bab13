import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc
#if canImport(Glibc)
import Glibc
#endif

/// `bench decode-speed`: decodes/s of ``EventDecoder`` over the corpus lines on one core.
struct DecodeSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-speed",
        abstract: "Event decoder throughput over corpus/v1/events.jsonl on one core (decodes/s)."
    )

    @Option(help: "The events file (one record value per line). Default: $STREAMPROC_SHARED or ../shared, + /corpus/v1/events.jsonl.")
    var events: String?

    @Option(help: "Number of timed runs; the median is reported.")
    var runs: Int = 5

    @Option(help: "Minimum duration of one run, in seconds.")
    var seconds: Double = 1.0

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let shared = ProcessInfo.processInfo.environment["STREAMPROC_SHARED"] ?? "../shared"
        let path = events ?? shared + "/corpus/v1/events.jsonl"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        let lines: [[UInt8]] = data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Array($0) }
        guard !lines.isEmpty else { throw ValidationError("no lines in \(path)") }
        let decoder = EventDecoder(reference: .embedded)
        let nowMs: Int64 = 1_795_221_004_421  // the corpus's implied wall clock (see bench-notes/decode.md)

        var sink = 0
        func pass() {
            for l in lines {
                switch decoder.decode(l, nowMs: nowMs) {
                case .event(let e): sink &+= Int(truncatingIfNeeded: e.scannedAtMs) &+ e.code.signature.count
                case .malformed(let r, _): sink &+= Int(r.rawValue)
                }
            }
        }
        pass()  // warm-up
        var rates: [Double] = []
        var cpuRates: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<max(1, runs) {
            var decodes = 0
            let cpuStart = Self.threadCPUSeconds()
            let start = clock.now
            var elapsed: Duration = .zero
            repeat {
                pass()
                decodes += lines.count
                elapsed = clock.now - start
            } while elapsed < .milliseconds(Int(seconds * 1000))
            let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rates.append(Double(decodes) / s)
            cpuRates.append(Double(decodes) / max(Self.threadCPUSeconds() - cpuStart, 1e-9))
        }
        let median = rates.sorted()[rates.count / 2]
        let cpuMedian = cpuRates.sorted()[cpuRates.count / 2]
        let bytes = lines.reduce(0) { $0 + $1.count }
        let mbps = median * Double(bytes) / Double(lines.count) / 1e6
        if json {
            let runsText = rates.map { String(format: "%.0f", $0) }.joined(separator: ",")
            print(#"{"benchmark":"decode-speed","lines":\#(lines.count),"bytes":\#(bytes),"runs":[\#(runsText)],"#
                + #""median_decodes_per_s":\#(String(format: "%.0f", median)),"ns_per_decode":\#(String(format: "%.1f", 1e9 / median)),"#
                + #""median_mb_per_s":\#(String(format: "%.1f", mbps)),"#
                + #""median_decodes_per_cpu_s":\#(String(format: "%.0f", cpuMedian)),"checksum":\#(sink & 0xFFFF)}"#)
        } else {
            print("decode-speed: \(lines.count) lines, \(bytes) bytes from \(path)")
            for (i, r) in rates.enumerated() { print(String(format: "  run %d: %.0f decodes/s", i + 1, r)) }
            print(String(format: "median: %.0f decodes/s (%.1f ns/decode, %.1f MB/s) on one core", median, 1e9 / median, mbps))
            print(String(format: "median per thread-CPU second: %.0f decodes/s (%.1f ns/decode)", cpuMedian, 1e9 / cpuMedian))
        }
    }

    /// CPU time consumed by the calling thread, in seconds (CLOCK_THREAD_CPUTIME_ID): robust to
    /// other processes sharing the cores.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
