import Foundation
import Testing
import Logging
@testable import KafkaIO
import StreamProcTesting

@Suite("Kafka kcat interop", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat")))
struct KafkaInteropTests {
    @Test("our producer → kcat -C")
    func producerToKcat() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["to-kcat": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        try await KafkaTestSupport.produce(producer, topic: "to-kcat", range: 0..<500)
        try await producer.close()
        let result = try KafkaTestSupport.kcat(
            ["-b", cluster.bootstrapServers, "-C", "-t", "to-kcat", "-e", "-o", "beginning", "-q", "-f", "%k\t%s\n"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(result.status == 0)
        #expect(lines == (0..<500).map { "k\($0)\tv\($0)" })
    }

    @Test("kcat -P → our consumer")
    func kcatToConsumer() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["from-kcat": 2], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let input = (0..<500).map { "key\($0):value\($0)\n" }.joined()
        let result = try KafkaTestSupport.kcat(
            ["-b", cluster.bootstrapServers, "-P", "-t", "from-kcat", "-K", ":"], input: input)
        #expect(result.status == 0)

        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfig(cluster, group: "kcat-g", topics: ["from-kcat"]),
            logger: KafkaTestSupport.logger)
        var pairs: [String: String] = [:]
        var count = 0
        for try await event in consumer.events {
            guard case .batch(let batch) = event else { continue }
            for record in batch {
                pairs[String(decoding: record.key ?? [], as: UTF8.self)] = String(decoding: record.value, as: UTF8.self)
                count += 1
            }
            consumer.storeOffsets(of: batch)
            if count >= 500 { break }
        }
        try await consumer.close()
        #expect(count == 500)
        #expect(pairs.count == 500)
        #expect((0..<500).allSatisfy { pairs["key\($0)"] == "value\($0)" })
    }

    @Test("regex subscription picks up matching topics only")
    func regexSubscription() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["scan.a": 1, "scan.b": 1, "other": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        for t in ["scan.a", "scan.b", "other"] {
            try await producer.send(KafkaProducerMessage(topic: t, value: Array(t.utf8)))
        }
        try await producer.close()
        var config = KafkaTestSupport.consumerConfig(cluster, group: "re-g", topics: [])
        config.subscription = .regex("^scan\\..*")
        config.extra["topic.metadata.refresh.interval.ms"] = "500"
        let consumer = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        var topics: Set<String> = []
        for try await event in consumer.events {
            guard case .batch(let batch) = event else { continue }
            for r in batch { topics.insert(r.topic) }
            if topics.count >= 2 { break }
        }
        try await consumer.close()
        #expect(topics == ["scan.a", "scan.b"])
    }
}
