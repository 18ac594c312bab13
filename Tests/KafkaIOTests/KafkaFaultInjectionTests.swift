import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
        // While the broker is down its port stays reserved for it: connections are refused
        // and no other socket can bind it (so no connection can take it as its source port).
        let port = try #require(cluster.bootstrapServers.split(separator: ":").last.flatMap { UInt16($0) })
        #expect(Self.connect(port: port) == ECONNREFUSED)
        #expect(MockBrokerPorts.bindLoopback(port: port, reuseAddress: false) == nil)
        try cluster.setBrokerUp(1)
        let report = try await pending.value
        try await producer.close()
        #expect(report.offset == 1)
    }

    @Test("a broker port taken by another socket is reported, never handed to the mock (which would abort)")
    func takenPortIsReported() throws {
        let taken = try #require(MockBrokerPorts.bindLoopback(port: 0))
        defer { close(taken) }
        #expect(listen(taken, 1) == 0)  // a listener: no socket with SO_REUSEADDR may bind beside it
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(taken, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let ports = MockBrokerPorts(bootstrapServers: "127.0.0.1:\(port)")
        #expect(ports.release(1, timeoutMs: 5_000) == [], "a broker that is up is not waited for")
        ports.hold(1)  // cannot: the port is another socket's
        let started = ContinuousClock.now
        #expect(ports.release(1, timeoutMs: 200) == [port])
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        ports.hold(-1)
        #expect(ports.release(-1, timeoutMs: 0) == [port])
        #expect(ports.release(2, timeoutMs: 0) == [], "an unknown broker id has no port")
    }

    /// `errno` of a TCP connect to 127.0.0.1:`port`, 0 when it connected.
    private static func connect(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return MockBrokerPorts.withLoopbackAddress(port: port, { Glibc.connect(fd, $0, $1) }) == 0 ? 0 : errno
    }
}
