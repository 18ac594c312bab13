import Foundation
import Testing
import Logging
@testable import KafkaIO
import StreamProcTesting

@Suite("Kafka backpressure")
struct KafkaBackpressureTests {
    @Test("a lagging processor stops the poll thread: position stays within the bounded buffer")
    func boundedBuffer() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["bp": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        try await KafkaTestSupport.produce(producer, topic: "bp", range: 0..<1000)
        try await producer.close()

        var config = KafkaTestSupport.consumerConfig(cluster, group: "bp-g", topics: ["bp"])
        config.maxBatchSize = 10
        config.maxBufferedBatches = 2
        let consumer = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        let tp = TopicPartition(topic: "bp", partition: 0)
        // Nobody iterates yet: wait until the consumer knows the watermark and has filled
        // its buffer (lag stops moving), bounded by 15 s.
        var lag: Int64 = -1
        var stableRounds = 0
        for _ in 0..<300 {
            try await Task.sleep(for: .milliseconds(50))
            let now = consumer.lag()[tp] ?? -1
            if now >= 0 && now < 1000 && now == lag { stableRounds += 1 } else { stableRounds = 0 }
            lag = now
            if stableRounds >= 6 { break }
        }
        // Taken from librdkafka: at most 2 buffered batches + 1 held by the poll thread
        // (+ 1 handed to a waiting iterator) of 10 records.
        #expect(lag >= 1000 - 40)
        #expect(lag < 1000)

        var count = 0
        for try await event in consumer.events {
            guard case .batch(let batch) = event else { continue }
            #expect(batch.count <= 10)
            count += batch.count
            consumer.storeOffsets(of: batch)
            if count >= 1000 { break }
        }
        try await consumer.close()
        #expect(count == 1000)
    }
}
