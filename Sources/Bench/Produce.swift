import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc

/// `bench produce`: steady-rate production of generated or pre-generated events.
struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce scan events to Kafka at a steady rate, with a live progress line.",
        discussion: """
        With --input, the lines of a pre-generated events.jsonl (bench generate) are sent in order, \
        wrapping around at the end. Without it, events are generated and signed live with the wall \
        clock (SM2 signing costs ~0.2 ms of CPU each, which caps a live rate at a few thousand per \
        second and core); --keys-out writes their public registry for `streamproc run --keys`. \
        --count sends exactly that many events (no wrap-around, --duration ignored) and exits once all \
        are acknowledged: `bench drain` fills its backlog so, and `bench run` offers each step's \
        pre-signed events so (reading its progress from --progress-ms).
        """)

    @Option(help: "Kafka bootstrap servers.") var brokers: String
    @Option(help: "Topic.") var topic: String = "ykm.scans"
    @Option(help: "Offered rate, events/s.") var rate: Double = 1_000
    @Option(help: "Duration, seconds.") var duration: Double = 60
    @Option(help: "Pre-generated events (one record value per line).") var input: String?
    @Option(help: "Record keys of --input (record-keys.txt of bench generate), one per line.") var recordKeys: String?
    @Option(help: "Live generation: write the public key registry here.") var keysOut: String?
    @Option(help: "Live generation: seed.") var seed: UInt64 = 1
    @Option(help: "Live generation: algorithm mix.") var mix: String = "SM2=0.8,ES256=0.1,Ed25519=0.1"
    @Option(help: "Live generation: a signed code is shown in up to this many valid events (within its lifetime); the processor still verifies each.")
    var codeReuse: Int = 1
    @Option(help: "Send exactly this many events, then wait for every acknowledgement (--duration is ignored).")
    var count: Int?
    @Option(help: "compression.codec of the producer: none, gzip, snappy, lz4, zstd.")
    var compression: String = "none"
    @Option(help: "Seconds to wait for the last acknowledgements at the end.") var flushTimeoutS: Int = 120
    @Option(help: "Every this many ms, print `sent N` (records enqueued so far) on standard output; 0: never (bench run reads it).")
    var progressMs: Int = 0
    @Option(help: "librdkafka properties file (SASL, TLS …) for the producer (as streamproc --kafka-config).")
    var kafkaConfig: String?

    func run() async throws {
        guard rate > 0, duration > 0 else { throw ValidationError("--rate and --duration must be > 0") }
        guard codeReuse >= 1 else { throw ValidationError("--code-reuse must be ≥ 1") }
        guard let codec = KafkaProducerConfiguration.Compression(rawValue: compression) else {
            throw ValidationError("--compression must be none, gzip, snappy, lz4 or zstd")
        }
        if let count, count < 1 { throw ValidationError("--count must be ≥ 1") }
        guard progressMs >= 0 else { throw ValidationError("--progress-ms must be ≥ 0") }
        var source: (Int64) -> (key: [UInt8]?, value: [UInt8])
        if let input {
            let lines = try LineRecords(contentsOfFile: input)
            guard lines.count > 0 else { throw ValidationError("\(input) has no lines") }
            let keys = try recordKeys.map { try LineRecords(contentsOfFile: $0) }
            var i = 0
            source = { _ in
                defer { i = (i + 1) % lines.count }
                let value = Array(lines.bytes[lines.ranges[i]])
                let key = keys.flatMap { k in i < k.count ? Array(k.bytes[k.ranges[i]]) : nil }
                return (key, value)
            }
        } else {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var generator = try LoadGenerator(WorkloadConfiguration(
                seed: seed, mix: try LoadAlgorithmMix(parsing: mix), startMs: now, ratePerSecond: rate,
                deterministicKeys: false, codeReuse: codeReuse))
            if let keysOut { try Data(generator.registryJSON()).write(to: URL(fileURLWithPath: keysOut)) }
            source = { now in
                let e = generator.nextEvent(at: now)
                return (e.key, e.value)
            }
        }
        var producerConfig = KafkaProducerConfiguration(bootstrapServers: brokers)
        producerConfig.compression = codec
        if let kafkaConfig {
            let props = try KafkaClientProperties(contentsOfFile: kafkaConfig)
            try props.validate()
            producerConfig.clientProperties = props
        }
        let producer = try KafkaProducer(configuration: producerConfig, logger: .init(label: "bench.produce"))
        // The schedule starts once the topic's partitions are known: a first record would
        // otherwise wait ~1 s for them, and every step of `bench run` would open with a burst.
        _ = try await producer.prepareTopic(topic)
        let total = count ?? Int.max
        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0, errors = 0, lastSent = 0
        var lastReport = start, lastProgress = start
        var pending: (key: [UInt8]?, value: [UInt8])?  // refused by a full queue, offered again first
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        while true {
            let elapsed = seconds(clock.now - start)
            if sent + errors >= total || (count == nil && elapsed >= duration) { break }
            let due = min(total, Int(min(rate * elapsed, 1e15)))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            while sent + errors < due {
                let (key, value) = pending ?? source(now)
                do {
                    try producer.enqueue(KafkaProducerMessage(topic: topic, key: key, value: value))
                    sent += 1
                    pending = nil
                } catch let error as KafkaError where error.code == KafkaError.queueFullCode {
                    pending = (key, value)
                    break
                } catch {
                    errors += 1
                }
            }
            if progressMs > 0 && clock.now - lastProgress >= .milliseconds(progressMs) {
                FileHandle.standardOutput.write(Data("sent \(sent)\n".utf8))
                lastProgress = clock.now
            }
            if seconds(clock.now - lastReport) >= 1 {
                let dt = seconds(clock.now - lastReport)
                let line = String(format: "\r%5.0f s  offered %8.0f/s  achieved %8.0f/s  sent %10d  errors %d",
                                  elapsed, rate, Double(sent - lastSent) / dt, sent, errors)
                FileHandle.standardError.write(Data(line.utf8))
                lastSent = sent
                lastReport = clock.now
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        do { try await producer.flush(timeoutMs: flushTimeoutS * 1000) } catch { errors += 1 }
        try? await producer.close()
        let wall = seconds(clock.now - start)
        print(String(format: "\nsent %d events in %.1f s = %.0f/s (offered %.0f/s), errors %d", sent, wall, Double(sent) / wall, rate, errors))
        if errors > 0 { throw ExitCode(1) }
    }
}
