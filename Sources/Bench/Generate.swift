import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc

/// `bench generate`: pre-generates a signed workload.
///
/// Writes `DIR/events.jsonl` (one record value per line, arrival order),
/// `DIR/keys.json` (the public registry, spec v1 §4), `DIR/intended-verdicts.jsonl`
/// (`{"line": n, "verdict": …, "attributed": …, "kind": …[, "reason": …]}` per line, like the
/// corpus's expected-verdicts.jsonl), `DIR/record-keys.txt` (the Kafka record key of each
/// line), and — only with `--write-signing-keys` — `DIR/signing-keys.json` (PRIVATE keys, mode 0600).
///
/// The same `--seed` and `--start-ms` give the same files except the SM2/ES256
/// signatures, whose nonces are random.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-generate signed scan events, their public key registry and intended verdicts.",
        discussion: """
        Same --seed and --start-ms reproduce the files byte for byte except SM2/ES256 signatures \
        (randomized nonces). The signing keys derive from the seed: a seed is a test-only secret. \
        --write-signing-keys also writes DIR/signing-keys.json with the PRIVATE keys (mode 0600); \
        never publish it. Events with scanned_at more than 5 minutes after the processor's clock \
        are malformed (clock_ahead): do not set --start-ms in the future.
        """
    )

    @Option(help: "Number of events.") var events: Int = 100_000
    @Option(help: "Output directory (created).") var out: String
    @Option(help: "Seed of the workload and the keys.") var seed: UInt64 = 1
    @Option(help: "Share of invalid events, 0…1.") var invalidShare: Double = 0.08
    @Option(help: "Share of resent (duplicate) events, 0…1.") var duplicateShare: Double = 0.005
    @Option(help: "Max delivery delay in ms (event-time disorder).") var disorderMs: Int64 = 2_000
    @Option(help: "Algorithm mix.") var mix: String = "SM2=0.8,ES256=0.1,Ed25519=0.1"
    @Option(help: "Event time of the first event, ms since the epoch (default: the start that makes the run end about now at this time of day's rate, floored to the minute).")
    var startMs: Int64?
    @Option(help: "Mean events per second of event time (diurnal curve around it).") var rate: Double = 2_000
    @Flag(help: "Also write DIR/signing-keys.json with the PRIVATE signing keys (mode 0600).")
    var writeSigningKeys = false
    @Option(help: "Before generating, measure one-core signing rates with this many signatures per algorithm (0: skip).")
    var measureSigning: Int = 0

    func run() async throws {
        if measureSigning > 0 {
            for r in LoadSigningBenchmark.run(count: measureSigning) {
                print("signing \(r.alg.rawValue): \(r.signatures) in \(String(format: "%.3f", r.seconds)) s = \(String(format: "%.0f", r.perSecond))/s on one core")
            }
        }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let start = startMs ?? LoadGenerator.startMs(events: events, ratePerSecond: rate, endingAtMs: nowMs) / 60_000 * 60_000
        let config = WorkloadConfiguration(
            events: events, seed: seed, invalidShare: invalidShare, duplicateShare: duplicateShare,
            disorderMs: disorderMs, mix: try LoadAlgorithmMix(parsing: mix), startMs: start, ratePerSecond: rate)
        var generator = try LoadGenerator(config)
        let fm = FileManager.default
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        let dir = URL(fileURLWithPath: out)
        try Data(generator.registryJSON()).write(to: dir.appendingPathComponent("keys.json"))
        if writeSigningKeys {
            let path = dir.appendingPathComponent("signing-keys.json").path
            guard fm.createFile(atPath: path, contents: Data(generator.keyRing.signingKeysJSON()),
                                attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(path)")
            }
        }
        let eventsOut = try GenerateOutputFile(dir.appendingPathComponent("events.jsonl").path)
        let verdictsOut = try GenerateOutputFile(dir.appendingPathComponent("intended-verdicts.jsonl").path)
        let keysOut = try GenerateOutputFile(dir.appendingPathComponent("record-keys.txt").path)
        let clock = ContinuousClock()
        let t0 = clock.now
        var line = 0
        var counts: [String: Int] = [:]
        var bytes = 0
        var lastScannedAt: Int64 = start
        let batch = 50_000
        var generateTime = Duration.zero
        while line < events {
            let n = min(batch, events - line)
            let tg = clock.now
            let generated = await generator.generate(count: n)
            generateTime += clock.now - tg
            var ev: [UInt8] = [], vd: [UInt8] = [], ky: [UInt8] = []
            ev.reserveCapacity(n * 700)
            for e in generated {
                line += 1
                ev += e.value; ev.append(0x0A)
                bytes += e.value.count
                ky += e.key; ky.append(0x0A)
                var v = "{\"line\": \(line), \"verdict\": \"\(e.verdict.name)\", \"attributed\": \(e.attributed), \"kind\": \"\(e.kind.rawValue)\""
                if let r = e.reason { v += ", \"reason\": \"\(r.name)\"" }
                v += "}\n"
                vd += Array(v.utf8)
                counts[e.verdict.name, default: 0] += 1
                if e.kind != .clockAhead { lastScannedAt = max(lastScannedAt, e.scannedAtMs) }
            }
            try eventsOut.write(ev); try verdictsOut.write(vd); try keysOut.write(ky)
        }
        try eventsOut.close(); try verdictsOut.close(); try keysOut.close()
        let elapsed = clock.now - t0
        let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("wrote \(line) events (\(bytes) bytes of values) to \(out) in \(String(format: "%.2f", secs)) s "
              + "(\(String(format: "%.0f", Double(line) / max(secs, 1e-9))) events/s, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print("start_ms=\(start) seed=\(seed) mix=\(config.mix) event_id prefix=\(generator.eventIdPrefix)")
        print("intended verdicts: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print("time in generate(count:): \(generateTime); the rest is formatting and writing")
        print("event time: \(start) … \(lastScannedAt) ms")
        if lastScannedAt > nowMs + 300_000 {
            print("WARNING: events end more than 5 min after now: a processor would reject them as clock_ahead until then")
        }
        if writeSigningKeys { print("PRIVATE signing keys written to \(out)/signing-keys.json (mode 0600)") }
    }
}

/// A buffered append-only file (POSIX write), for large outputs without Foundation overhead.
final class GenerateOutputFile {
    private let fd: Int32
    init(_ path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ValidationError("cannot create \(path)") }
    }
    func write(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return -1 }
                return Foundation.write(fd, base + off, buf.count - off)
            }
            guard n > 0 else { throw ValidationError("write failed (errno \(errno))") }
            off += n
        }
    }
    func close() throws { _ = Foundation.close(fd) }
}
