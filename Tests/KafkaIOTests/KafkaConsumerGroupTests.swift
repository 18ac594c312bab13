import Foundation
import Testing
import Logging
import Synchronization
@testable import KafkaIO
import StreamProcTesting

/// One group member driven by a task: processes batches, stores offsets after each,
/// and stops (then closes) when asked.
private final class Member: Sendable {
    struct State {
        var assigned: Set<TopicPartition> = []
        var processed: [Int] = []  // message indices, in processing order
        var maxAssignedSeen = 0
    }
    let consumer: KafkaConsumer
    let state = Mutex(State())
    let stopRequested = Atomic<Bool>(false)
    let total: Int

    init(consumer: KafkaConsumer, total: Int) {
        self.consumer = consumer
        self.total = total
    }

    func run() async throws {
        for try await event in consumer.events {
            switch event {
            case .partitionsAssigned(let assignment):
                state.withLock { $0.assigned.formUnion(assignment.partitions) }
                assignment.start()
            case .partitionsRevoked(let revocation):
                // Every batch before it was processed and its offsets stored: let them go.
                state.withLock { $0.assigned.subtract(revocation.partitions) }
                revocation.finished()
            case .batch(let batch):
                var indices: [Int] = []
                for record in batch {
                    if let i = Int(String(decoding: record.value.dropFirst(), as: UTF8.self)) { indices.append(i) }
                }
                state.withLock { $0.processed.append(contentsOf: indices) }
                consumer.storeOffsets(of: batch)
            }
            if stopRequested.load(ordering: .acquiring) { break }
        }
        try await consumer.close()
    }

    var assigned: Set<TopicPartition> { state.withLock { $0.assigned } }
    var processedCount: Int { state.withLock { $0.processed.count } }
}

private func waitFor(_ what: String, timeoutMs: Int = 20_000, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
    while !condition() {
        if ContinuousClock.now > deadline { throw KafkaError(code: -1, message: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite("Kafka consumer group")
struct KafkaConsumerGroupTests {
    @Test("two members split partitions; one leaves mid-stream; nothing lost or consumed twice")
    func splitAndLeave() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 2, topics: ["grp": 4], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let total = 20_000
        var config = KafkaTestSupport.consumerConfig(cluster, group: "g2", topics: ["grp"])
        config.acknowledgesRebalances = true  // Member answers assignments and revocations.
        let a = Member(consumer: try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger), total: total)
        let taskA = Task { try await a.run() }
        try await waitFor("A to own all 4 partitions") { a.assigned.count == 4 }

        let b = Member(consumer: try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger), total: total)
        let taskB = Task { try await b.run() }
        // The mock coordinator completes the join only after A rejoins (its next heartbeat) and
        // answers its revocation: seconds, or more on a loaded 2-core machine (it took over 20 s
        // once while a release build ran beside the tests).
        try await waitFor("the split", timeoutMs: 60_000) { a.assigned.count == 2 && b.assigned.count == 2 }
        #expect(a.assigned.isDisjoint(with: b.assigned))

        let producer = try KafkaTestSupport.producer(cluster)
        let produceTask = Task {
            try await KafkaTestSupport.produce(producer, topic: "grp", range: 0..<total)
            try await producer.close()
        }
        // A leaves mid-stream once both have processed something.
        try await waitFor("both members to make progress") { a.processedCount >= 1000 && b.processedCount >= 1000 }
        a.stopRequested.store(true, ordering: .releasing)
        taskA.cancel()  // ends A's iteration even while no event arrives
        try await taskA.value  // A closes: commits what it processed, leaves the group
        try await produceTask.value
        try await waitFor("B to take over all partitions") { b.assigned.count == 4 }
        try await waitFor("all messages processed", timeoutMs: 30_000) {
            a.processedCount + b.processedCount >= total
        }
        b.stopRequested.store(true, ordering: .releasing)
        taskB.cancel()
        try await taskB.value

        let processedA = a.state.withLock { $0.processed }
        let processedB = b.state.withLock { $0.processed }
        var counts = [Int](repeating: 0, count: total)
        for i in processedA + processedB where i >= 0 && i < total { counts[i] += 1 }
        #expect(processedA.count >= 1000)
        #expect(counts.filter { $0 == 0 }.count == 0, "lost messages")
        #expect(counts.filter { $0 > 1 }.count == 0, "messages consumed twice")
        #expect(processedA.count + processedB.count == total)
    }

    @Test("close commits exactly the processed offsets")
    func closeCommitsProcessed() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["cl": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        try await KafkaTestSupport.produce(producer, topic: "cl", range: 0..<1000)
        try await producer.close()

        var config = KafkaTestSupport.consumerConfig(cluster, group: "cl-g", topics: ["cl"])
        config.enableAutoCommit = false
        config.maxBatchSize = 500
        let first = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        var processed = 0
        outer: for try await event in first.events {
            guard case .batch(let batch) = event else { continue }
            for record in batch {
                first.storeOffset(topic: record.topic, partition: record.partition, offset: record.offset)
                processed += 1
                if processed == 300 { break outer }
            }
        }
        try await first.close()
        #expect(first.lag().isEmpty)  // closed: no assignment any more

        let second = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        var firstOffset: Int64 = -1
        var firstValue = ""
        for try await event in second.events {
            guard case .batch(let batch) = event, let record = batch.first else { continue }
            firstOffset = record.offset
            firstValue = String(decoding: record.value, as: UTF8.self)
            break
        }
        try await second.close()
        #expect(firstOffset == 300)
        #expect(firstValue == "v300")
    }

    @Test("commit() commits stored offsets; lag counts what is left")
    func commitAndLag() async throws {
        let cluster = try EmbeddedKafkaCluster(topics: ["lag": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let producer = try KafkaTestSupport.producer(cluster)
        try await KafkaTestSupport.produce(producer, topic: "lag", range: 0..<200)
        try await producer.close()

        var config = KafkaTestSupport.consumerConfig(cluster, group: "lag-g", topics: ["lag"])
        config.enableAutoCommit = false
        config.maxBatchSize = 50
        config.maxBufferedBatches = 1
        let consumer = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        var got = 0
        for try await event in consumer.events {
            guard case .batch(let batch) = event else { continue }
            consumer.storeOffsets(of: batch)
            got += batch.count
            if got >= 200 { break }
        }
        try await consumer.commit()
        let lag = consumer.lag()
        try await consumer.close()
        #expect(got == 200)
        #expect(lag[TopicPartition(topic: "lag", partition: 0)] == 0)

        // A new member of the group starts after the committed offset: nothing left.
        let again = try KafkaConsumer(configuration: config, logger: KafkaTestSupport.logger)
        let p2 = try KafkaTestSupport.producer(cluster)
        let report = try await p2.send(KafkaProducerMessage(topic: "lag", value: Array("v200".utf8)))
        try await p2.close()
        var next: Int64 = -1
        for try await event in again.events {
            if case .batch(let batch) = event, let r = batch.first { next = r.offset; break }
        }
        try await again.close()
        #expect(report.offset == 200)
        #expect(next == 200)
    }
}
