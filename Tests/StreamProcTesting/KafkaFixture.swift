import Foundation
import Logging
import KafkaIO

/// Helpers shared by the Kafka test suites.
public enum KafkaTestSupport {
    public static let logger: Logger = {
        var l = Logger(label: "test.kafka")
        l.logLevel = .warning
        return l
    }()

    public static func consumerConfig(_ cluster: EmbeddedKafkaCluster, group: String, topics: [String]) -> KafkaConsumerConfiguration {
        var c = KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group, subscription: .topics(topics))
        c.sessionTimeoutMs = 6000
        c.heartbeatIntervalMs = 200
        return c
    }

    public static func producer(_ cluster: EmbeddedKafkaCluster) throws -> KafkaProducer {
        var c = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        c.lingerMs = 2
        return try KafkaProducer(configuration: c, logger: logger)
    }

    /// Reads record values (as UTF-8 strings, in delivery order) from `consumer` until at
    /// least `count` arrived, acknowledging rebalances on the way; the consumer stays open.
    public static func values(of consumer: KafkaConsumer, atLeast count: Int) async throws -> [String] {
        var values: [String] = []
        loop: for try await event in consumer.events {
            switch event {
            case .partitionsAssigned(let a): a.start()
            case .partitionsRevoked(let r): r.finished()
            case .batch(let batch):
                values += batch.map { String(decoding: $0.value, as: UTF8.self) }
                if values.count >= count { break loop }
            }
        }
        return values
    }

    /// Produces `count` messages "v<i>" keyed "k<i>" to `topic`, in chunks.
    public static func produce(_ producer: KafkaProducer, topic: String, range: Range<Int>, headers: Bool = false) async throws {
        var chunk: [KafkaProducerMessage] = []
        chunk.reserveCapacity(5000)
        for i in range {
            var m = KafkaProducerMessage(topic: topic, key: Array("k\(i)".utf8), value: Array("v\(i)".utf8))
            if headers {
                m.headers = [KafkaHeader(name: "seq", value: Array(String(i).utf8)), KafkaHeader(name: "null", value: nil as [UInt8]?)]
            }
            chunk.append(m)
            if chunk.count == 5000 {
                try await producer.sendBatch(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try await producer.sendBatch(chunk)
    }

    /// Runs `kcat` with `arguments`, feeding `input` on stdin; returns stdout.
    public static func kcat(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
