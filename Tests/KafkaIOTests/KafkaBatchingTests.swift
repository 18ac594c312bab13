import Foundation
import Testing
import Logging
@testable import KafkaIO
import StreamProcTesting

@Suite("Kafka batching and topic preparation")
struct KafkaBatchingTests {
    @Test("a record reaches a waiting processor without waiting for its batch to fill or for the poll timeout")
    func noFillWait() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["prompt": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        try await KafkaTestSupport.produce(producer, topic: "prompt", range: 0..<1)

        var config = KafkaTestSupport.consumerConfig(cluster, group: "prompt-g", topics: ["prompt"])
        config.maxBatchSize = 1000
        // A batch that waited to fill (or for the poll call's timeout) would come 8 s late.
        config.pollTimeoutMs = 8_000
        let consumer = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        var events = consumer.events.makeAsyncIterator()

        // The first record: the group is joined and the partition is fetching.
        var first: KafkaBatch?
        while first == nil, let event = try await events.next() {
            if case .batch(let b) = event { first = b }
        }
        #expect(first?.map { String(decoding: $0.value, as: UTF8.self) } == ["v0"])

        // The second record, sent while the processor waits: one record in its own batch, soon.
        let sentAt = ContinuousClock.now
        try await KafkaTestSupport.produce(producer, topic: "prompt", range: 1..<2)
        var second: KafkaBatch?
        while second == nil, let event = try await events.next() {
            if case .batch(let b) = event { second = b }
        }
        let waited = ContinuousClock.now - sentAt
        #expect(second?.map { String(decoding: $0.value, as: UTF8.self) } == ["v1"])
        #expect(waited < .seconds(4), "the record waited \(waited) (poll timeout 8 s)")
        // The batch carries the wall clock of its fetch, after the record's own timestamp.
        if let second, let record = second.first {
            #expect(second.fetchedAtUs >= record.timestampMs * 1000)
            #expect(second.fetchedAtUs - record.timestampMs * 1000 < 4_000_000)
        }
        try await producer.close()
        try await consumer.close()
    }

    @Test("prepareTopic returns the partition count, fails for a closed producer")
    func prepareTopic() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["three": 3, "one": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        #expect(try await producer.prepareTopic("three", timeoutMs: 10_000) == 3)
        #expect(try await producer.prepareTopic("one", timeoutMs: 10_000) == 1)
        // The prepared topic takes records at once and they arrive.
        let report = try await producer.send(KafkaProducerMessage(topic: "three", key: Array("k".utf8), value: Array("v".utf8)))
        #expect(report.topic == "three")
        #expect((0..<3).contains(report.partition))
        try await producer.close()
        await #expect(throws: KafkaError.self) { _ = try await producer.prepareTopic("three", timeoutMs: 1_000) }
    }
}
