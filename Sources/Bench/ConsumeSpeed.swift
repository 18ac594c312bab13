import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import Logging
import StreamProc

/// `bench consume-speed`: the same N messages (200 B values) in an embedded mock cluster,
/// consumed (a) by a raw librdkafka loop (`rd_kafka_consumer_poll` per message) and (b)
/// through `KafkaConsumer.events` (batches, offsets stored per batch), each run from its
/// own consumer group, alternating; reports medians in messages per second, timed from the
/// first message to the N-th (group join excluded).
struct ConsumeSpeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume-speed",
        abstract: "Raw librdkafka loop vs the KafkaConsumer AsyncSequence API on a mock cluster (msgs/s)."
    )

    @Option(help: "Messages (keep N x 200 B / partitions under the mock's ~5 MB per partition).")
    var messages: Int = 200_000

    @Option(help: "Partitions of the benchmark topic.")
    var partitions: Int = 16

    @Option(help: "Runs of each path (medians are reported).")
    var runs: Int = 5

    @Option(help: "KafkaConsumerConfiguration.maxBatchSize for the API path.")
    var batch: Int = 1000

    @Flag(help: "Print one JSON line {raw_msgs_per_s, api_msgs_per_s, ratio}.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "bench.consume-speed")
        logger.logLevel = .error
        let cluster = try EmbeddedKafkaCluster(topics: ["bench": partitions], logger: logger)
        defer { cluster.stop() }

        var pconf = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        pconf.lingerMs = 10
        pconf.extra["batch.num.messages"] = "10000"
        let producer = try KafkaProducer(configuration: pconf, logger: logger)
        let value = [UInt8](repeating: 0x61, count: 200)
        var chunk: [KafkaProducerMessage] = []
        for i in 0..<messages {
            chunk.append(KafkaProducerMessage(topic: "bench", partition: Int32(i % partitions), value: value))
            if chunk.count == 10_000 {
                try await producer.sendBatch(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try await producer.sendBatch(chunk)
        try await producer.close()

        var raw: [Double] = []
        var api: [Double] = []
        var rawCPU: [Double] = []
        var apiCPU: [Double] = []
        for r in 0..<max(1, runs) {
            var cpu0 = processCPUSeconds()
            let rawRun = try await Self.runRaw(cluster.bootstrapServers, group: "raw-\(r)", count: messages)
            rawCPU.append(Double(messages) / (processCPUSeconds() - cpu0))
            raw.append(Double(messages) / rawRun)
            cpu0 = processCPUSeconds()
            let apiRun = try await Self.runAPI(cluster.bootstrapServers, group: "api-\(r)", count: messages, batch: batch, logger: logger)
            apiCPU.append(Double(messages) / (processCPUSeconds() - cpu0))
            api.append(Double(messages) / apiRun)
            if !json {
                print("run \(r + 1): raw \(Int(raw.last!)) msg/s, api \(Int(api.last!)) msg/s; per CPU-second (whole process incl. mock broker, group join): raw \(Int(rawCPU.last!)), api \(Int(apiCPU.last!))")
            }
        }
        let rawMedian = median(raw)
        let apiMedian = median(api)
        if json {
            print("{\"raw_msgs_per_s\":\(Int(rawMedian)),\"api_msgs_per_s\":\(Int(apiMedian)),\"ratio\":\(String(format: "%.3f", apiMedian / rawMedian))}")
        } else {
            print("median per CPU-second: raw \(Int(median(rawCPU))), api \(Int(median(apiCPU))), ratio \(String(format: "%.3f", median(apiCPU) / median(rawCPU)))")
            print("median: raw \(Int(rawMedian)) msg/s, api \(Int(apiMedian)) msg/s, ratio \(String(format: "%.3f", apiMedian / rawMedian)) (\(messages) msgs x 200 B, \(partitions) partitions)")
        }
    }

    /// Raw loop on its own thread (it blocks); returns seconds.
    static func runRaw(_ bootstrap: String, group: String, count: Int) async throws -> Double {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Double, any Error>) in
            let thread = Thread {
                do {
                    let r = try KafkaRawConsumeLoop.run(bootstrapServers: bootstrap, groupID: group, topic: "bench", count: count)
                    c.resume(returning: r.seconds)
                } catch {
                    c.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    /// The AsyncSequence API; returns seconds from the first record to the `count`-th.
    static func runAPI(_ bootstrap: String, group: String, count: Int, batch maxBatch: Int, logger: Logger) async throws -> Double {
        var config = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: group, subscription: .topics(["bench"]))
        config.enableAutoCommit = false
        config.maxBatchSize = maxBatch
        let consumer = try KafkaConsumer(configuration: config, logger: logger)
        var received = 0
        var bytes = 0
        var start: ContinuousClock.Instant?
        for try await event in consumer.events {
            guard case .batch(let batch) = event else { continue }
            if start == nil { start = .now }
            for record in batch { bytes += record.value.count }
            received += batch.count
            consumer.storeOffsets(of: batch)
            if received >= count { break }
        }
        let elapsed = ContinuousClock.now - (start ?? .now)
        try await consumer.close()
        if bytes < received { throw KafkaError(code: -1, message: "payloads shorter than 1 byte") }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// User + system CPU seconds of the whole process so far (getrusage RUSAGE_SELF).
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

private func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    if s.isEmpty { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
