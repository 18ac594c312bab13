import Foundation
import Testing
@testable import StreamProc
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import LoadKit
import StreamProcTesting

/// Two pipeline instances in one consumer group, with a rebalance in the
/// middle of the stream, write counts that sum like one instance's
/// (OutputRecords: records are additive partials per input partition).
extension PipelineIntegrationTests {
@Suite("Pipeline consumer group", .serialized)
struct PipelineGroupTests {
    @Test("two instances with a mid-stream rebalance sum like one instance (8 partitions)",
          .timeLimit(.minutes(2)))
    func twoInstancesSumLikeOne() async throws {
        let S = PipelineTestSupport.self
        let partitions: Int32 = 8
        let cluster = try EmbeddedKafkaCluster(
            topics: ["scans.a": Int(partitions), "scans.b": Int(partitions),
                     "counts.a": 1, "rejected.a": 1, "counts.b": 1, "rejected.b": 1],
            logger: S.logger)
        defer { cluster.stop() }
        let lines = try S.corpusLines()
        let spread: @Sendable (Int) -> Int32 = { Int32($0 % 8) }
        func ends(_ range: Range<Int>) -> [Int32: Int64] {
            var e = [Int32: Int64](uniqueKeysWithValues: (0..<partitions).map { ($0, 0) })
            for i in range { e[spread(i), default: 0] += 1 }
            return e
        }
        let all = ends(0..<lines.count)

        // Run A: one instance, alone.
        try await S.produce(lines, range: 0..<lines.count, cluster: cluster, topic: "scans.a", partition: spread)
        let a = try S.Running(cluster: cluster, groupID: "group-a", topic: "scans.a",
                              countsTopic: "counts.a", rejectedTopic: "rejected.a", processorID: "a1")
        do { try await S.waitUntilProcessed([a], ends: all, seconds: 60) } catch { try? await a.stop(); throw error }
        try await a.stop()
        #expect(a.live.snapshot.totals.events == UInt64(lines.count))
        let s1 = try S.sumCounts(try await S.readAll(cluster, topic: "counts.a", partitions: 1))
        let rejected1 = try await S.readAll(cluster, topic: "rejected.a", partitions: 1)

        // Run B: the first half to one instance; the second instance joins while
        // the second half is being produced, so partitions move mid-stream.
        let half = lines.count / 2
        try await S.produce(lines, range: 0..<half, cluster: cluster, topic: "scans.b", partition: spread)
        let b1 = try S.Running(cluster: cluster, groupID: "group-b", topic: "scans.b",
                               countsTopic: "counts.b", rejectedTopic: "rejected.b", processorID: "b1")
        var b2: PipelineTestSupport.Running?
        do {
            try await S.waitUntilProcessed([b1], ends: ends(0..<half), seconds: 60)
            let second = try S.Running(cluster: cluster, groupID: "group-b", topic: "scans.b",
                                       countsTopic: "counts.b", rejectedTopic: "rejected.b", processorID: "b2")
            b2 = second
            let chunk = 100
            for start in stride(from: half, to: lines.count, by: chunk) {
                try await S.produce(lines, range: start..<min(start + chunk, lines.count), cluster: cluster,
                                    topic: "scans.b", partition: spread)
                try await Task.sleep(for: .milliseconds(150))
            }
            try await S.waitUntil(60, "the partitions being shared by both instances") {
                !second.partitions.isEmpty && b1.partitions.count < Int(partitions)
            }
            try await S.waitUntilProcessed([b1, second], ends: all, seconds: 60)
        } catch {
            try? await b2?.stop()
            try? await b1.stop()
            throw error
        }
        let b1Final = b1.partitions.map(\.partition)
        let b2Final = b2?.partitions.map(\.partition) ?? []
        try await b2?.stop()
        try await b1.stop()
        let s2 = try S.sumCounts(try await S.readAll(cluster, topic: "counts.b", partitions: 1))
        let rejected2 = try await S.readAll(cluster, topic: "rejected.b", partitions: 1)

        #expect(s1.cells.count > 1000)
        #expect(s1.late == 0 && s2.late == 0)
        func sources(_ rs: [PipelineTestSupport.OutputRecord]) -> [String: Int] {
            rs.reduce(into: [:]) { $0["\($1.headers["source.partition"] ?? "?")/\($1.headers["source.offset"] ?? "?")", default: 0] += 1 }
        }
        // Known issue, of the test broker: librdkafka's mock cluster (2.0.2) answers the
        // offset commit made in the revocation callback with REBALANCE_IN_PROGRESS, while
        // Apache Kafka's group coordinator accepts commits of the current generation while a
        // rebalance is being prepared. So a partition that moves to the other instance restarts
        // from the last auto-commit and its records since then are counted twice (at-least-once).
        withKnownIssue("mock cluster refuses the commit made on revocation (REBALANCE_IN_PROGRESS)", isIntermittent: true) {
            let sameCells = s2.cells == s1.cells
            #expect(sameCells, "\(S.diff(s2.cells, s1.cells))")
            #expect(rejected2.count == rejected1.count)
            let sameRejected = sources(rejected2) == sources(rejected1)
            let twice = Set(sources(rejected2).filter { $0.value > 1 }.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
            #expect(sameRejected, """
                rejected (partition/offset → times) differ: \(rejected2.count) vs \(rejected1.count) records; \
                input partitions with records rejected twice: \(twice.sorted()); \
                partitions held at the end by b1 \(b1Final) and b2 \(b2Final)
                """)
        }
        // Nothing is lost: every rejected record of the one-instance run is there at least once.
        #expect(Set(sources(rejected1).keys).isSubset(of: Set(sources(rejected2).keys)))
        #expect(sources(rejected1).values.allSatisfy { $0 == 1 })
        // The rebalance really happened with panes open: some were emitted on revocation.
        #expect(s2.closedBy["revocation", default: 0] > 0, "\(s2.closedBy)")
        #expect(s1.closedBy["revocation", default: 0] == 0, "\(s1.closedBy)")
    }
}
}
