import Testing
import Synchronization
import Logging
@testable import KafkaIO
import StreamProcTesting

@Suite("Kafka round trip")
struct KafkaRoundTripTests {
    @Test("100k keyed messages with headers come back once each, in partition order")
    func roundTrip100k() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, topics: ["rt": 4], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let total = 100_000
        let producer = try KafkaTestSupport.producer(cluster)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfig(cluster, group: "rt-g", topics: ["rt"]),
            logger: KafkaTestSupport.logger)

        // Consume while producing: the mock keeps only ~5 MB per partition.
        let produceTask = Task {
            try await KafkaTestSupport.produce(producer, topic: "rt", range: 0..<total, headers: true)
            try await producer.close()
        }
        var seen = [Bool](repeating: false, count: total)
        var seenCount = 0
        var duplicates = 0
        var badRecords = 0
        var lastOffset: [TopicPartition: Int64] = [:]
        var outOfOrder = 0
        var assigned: Set<TopicPartition> = []
        loop: for try await event in consumer.events {
            switch event {
            case .partitionsAssigned(let a): assigned.formUnion(a.partitions); a.start()
            case .partitionsRevoked(let r): r.finished()
            case .batch(let batch):
                for record in batch {
                    let value = String(decoding: record.value, as: UTF8.self)
                    guard value.hasPrefix("v"), let i = Int(value.dropFirst()), i >= 0, i < total,
                          let key = record.key, String(decoding: key, as: UTF8.self) == "k\(i)",
                          record.headers.count == 2,
                          record.headers.first(named: "seq").map({ String(decoding: $0, as: UTF8.self) }) == String(i),
                          record.headers[1].name == "null", record.headers[1].value == nil,
                          record.topic == "rt"
                    else { badRecords += 1; continue }
                    if let last = lastOffset[record.topicPartition], record.offset <= last { outOfOrder += 1 }
                    lastOffset[record.topicPartition] = record.offset
                    if seen[i] { duplicates += 1 } else { seen[i] = true; seenCount += 1 }
                }
                consumer.storeOffsets(of: batch)
                if seenCount == total { break loop }
            }
        }
        try await produceTask.value
        try await consumer.close()
        #expect(seenCount == total)
        #expect(duplicates == 0)
        #expect(badRecords == 0)
        #expect(outOfOrder == 0)
        #expect(assigned.count == 4)
    }

    @Test("send awaits a delivery report with the partition and offset")
    func sendReportsOffsets() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["one": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        let r0 = try await producer.send(KafkaProducerMessage(topic: "one", value: [1, 2, 3]))
        let r1 = try await producer.send(KafkaProducerMessage(topic: "one", partition: 0, value: [4]))
        try await producer.close()
        #expect(r0 == KafkaDeliveryReport(topic: "one", partition: 0, offset: 0))
        #expect(r1 == KafkaDeliveryReport(topic: "one", partition: 0, offset: 1))
    }

    @Test("compressed producers (lz4, zstd, gzip) round-trip", arguments: [
        KafkaProducerConfiguration.Compression.lz4, .zstd, .gzip,
    ])
    func compressed(_ codec: KafkaProducerConfiguration.Compression) async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["z": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        var pconf = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        pconf.compression = codec
        let producer = try KafkaProducer(configuration: pconf, logger: KafkaTestSupport.logger)
        try await KafkaTestSupport.produce(producer, topic: "z", range: 0..<2000)
        try await producer.close()
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfig(cluster, group: "z-\(codec)", topics: ["z"]),
            logger: KafkaTestSupport.logger)
        let values = try await KafkaTestSupport.values(of: consumer, atLeast: 2000)
        try await consumer.close()
        #expect(values == (0..<2000).map { "v\($0)" })
    }

    /// Caught-up detection (spec §7) trusts the cached log end only once a fetch response of
    /// the current assignment arrived: for a partition with records (records consumed) and
    /// for an empty one (its end reached, a partition EOF event, which is not an error).
    @Test("fetchedSinceAssignment: records consumed or the partition's end reached")
    func fetchedSinceAssignment() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, topics: ["fsa": 2], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        try await producer.sendBatch((0..<10).map { KafkaProducerMessage(topic: "fsa", partition: 0, value: Array("v\($0)".utf8)) })
        try await producer.close()
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfig(cluster, group: "fsa-g", topics: ["fsa"]),
            logger: KafkaTestSupport.logger)
        var consumed = 0
        let p0 = TopicPartition(topic: "fsa", partition: 0), p1 = TopicPartition(topic: "fsa", partition: 1)
        let deadline = ContinuousClock.now + .seconds(30)
        loop: for try await event in consumer.events {
            switch event {
            case .partitionsAssigned(let a): a.start()
            case .partitionsRevoked(let r): r.finished()
            case .batch(let batch): consumed += batch.count
            }
            let o = consumer.partitionOffsets()
            if consumed == 10, o[p0]?.fetchedSinceAssignment == true, o[p1]?.fetchedSinceAssignment == true { break loop }
            if ContinuousClock.now > deadline { break loop }
        }
        // The end of partition 1 may be reached after the last batch: poll the cache a little.
        var offsets = consumer.partitionOffsets()
        for _ in 0..<50 where offsets[p1]?.fetchedSinceAssignment != true {
            try await Task.sleep(for: .milliseconds(100))
            offsets = consumer.partitionOffsets()
        }
        try await consumer.close()
        #expect(consumed == 10)
        #expect(offsets[p0]?.fetchedSinceAssignment == true)
        #expect(offsets[p0]?.high == 10)
        #expect(offsets[p1]?.fetchedSinceAssignment == true, "the empty partition's end was reached: \(String(describing: offsets[p1]))")
        #expect(offsets[p1]?.high == 0)
    }

    /// A record librdkafka refuses at enqueue (larger than `message.max.bytes`) is skipped and
    /// reported once; the batch still completes with the others delivered (it used to wait
    /// forever for the refused record's delivery report).
    @Test("sendBatch skips a record refused at enqueue and completes")
    func sendBatchSkipsARefusedRecord() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, topics: ["big": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        let tooLarge = [UInt8](repeating: 0x4b, count: KafkaProducerConfiguration(bootstrapServers: "x").maxMessageBytes + 1_000)
        let messages = [
            KafkaProducerMessage(topic: "big", partition: 0, value: Array("a".utf8)),
            KafkaProducerMessage(topic: "big", partition: 0, key: tooLarge, value: Array("b".utf8)),
            KafkaProducerMessage(topic: "big", partition: 0, value: Array("c".utf8)),
        ]
        let refused = Mutex<[Int?]>([])
        try await producer.sendBatch(messages) { index, _ in refused.withLock { $0.append(index) } }
        try await producer.close()
        #expect(refused.withLock { $0 } == [1])
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfig(cluster, group: "big-g", topics: ["big"]),
            logger: KafkaTestSupport.logger)
        let values = try await KafkaTestSupport.values(of: consumer, atLeast: 2)
        try await consumer.close()
        #expect(values == ["a", "c"])
    }
}
