import Foundation
import Testing
import Logging
@testable import KafkaIO
import StreamProcTesting

@Suite("Kafka fault injection")
struct KafkaFaultInjectionTests {
    @Test("idempotent producer retries injected Produce errors without duplicates")
    func produceErrorsRetried() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["fi": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        // ApiKey 0 = Produce; 6 = NOT_LEADER_OR_FOLLOWER, 7 = REQUEST_TIMED_OUT (retriable).
        cluster.pushRequestErrors(apiKey: 0, errors: [6, 7, 6])
        let producer = try KafkaTestSupport.producer(cluster)
        try await KafkaTestSupport.produce(producer, topic: "fi", range: 0..<300)
        try await producer.close()

        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfig(cluster, group: "fi-g", topics: ["fi"]),
            logger: KafkaTestSupport.logger)
        let values = try await KafkaTestSupport.values(of: consumer, atLeast: 300)
        // A duplicate would appear inside the first 300 values and break the sequence below.
        let lag = consumer.lag()
        try await consumer.close()
        #expect(values == (0..<300).map { "v\($0)" })
        #expect(lag[TopicPartition(topic: "fi", partition: 0)] == 0)
    }

    @Test("send waits out a broker outage")
    func brokerDownThenUp() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["down": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        _ = try await producer.send(KafkaProducerMessage(topic: "down", value: [0]))
        try cluster.setBrokerDown(1)
        let pending = Task { try await producer.send(KafkaProducerMessage(topic: "down", value: [1])) }
        try await Task.sleep(for: .milliseconds(500))
        try cluster.setBrokerUp(1)
        let report = try await pending.value
        try await producer.close()
        #expect(report.offset == 1)
    }
}
