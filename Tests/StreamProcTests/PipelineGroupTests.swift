import Foundation
import Testing
@testable import StreamProc
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import LoadKit
import StreamProcTesting
import StateStore

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
        try await a.stopping {
            try await S.waitUntilProcessed([a], ends: all, seconds: 60)
            try await S.waitUntilClosed([a], throughMs: try S.corpusEndMs(), seconds: 30)
        }
        #expect(a.live.snapshot.totals.events == UInt64(lines.count))
        let s1 = try S.sumCounts(try await S.readAll(cluster, topic: "counts.a", partitions: 1))
        let rejected1 = try await S.readAll(cluster, topic: "rejected.a", partitions: 1)

        // Run B: one instance starts; the corpus is produced in small chunks (a steady stream,
        // so no partition is ever caught up and idle: spec §7 would rightly close the old
        // corpus windows then); the second instance joins a third of the way in, so
        // partitions move mid-stream with open panes, and the new owner continues them from
        // the shared state store.
        let shared = InMemoryStateStore()
        let b1 = try S.Running(cluster: cluster, groupID: "group-b", topic: "scans.b",
                               countsTopic: "counts.b", rejectedTopic: "rejected.b", processorID: "b1", store: shared)
        var b2: PipelineTestSupport.Running?
        do {
            try await S.waitUntil(60, "b1 owning every partition") { b1.partitions.count == Int(partitions) }
            let chunk = 50
            for start in stride(from: 0, to: lines.count, by: chunk) {
                try await S.produce(lines, range: start..<min(start + chunk, lines.count), cluster: cluster,
                                    topic: "scans.b", partition: spread)
                if b2 == nil && start >= lines.count / 3 {
                    b2 = try S.Running(cluster: cluster, groupID: "group-b", topic: "scans.b",
                                       countsTopic: "counts.b", rejectedTopic: "rejected.b", processorID: "b2", store: shared)
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            guard let second = b2 else { throw PipelineTestSupport.Malformed(what: "b2 never started") }
            try await S.waitUntil(60, "the partitions being shared by both instances") {
                !second.partitions.isEmpty && b1.partitions.count < Int(partitions)
            }
            try await S.waitUntilProcessed([b1, second], ends: all, seconds: 60)
            try await S.waitUntilClosed([b1, second], throughMs: try S.corpusEndMs(), seconds: 30)
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
        // Exactly-once state: the instances share one state store (in memory here, as one
        // PostgreSQL would be shared), so a partition that moves continues from the state
        // and offset its previous owner committed: the same counts as one instance, cell by
        // cell, and the same rejected records (deduplicated by source offset, as a
        // compacted topic would).
        #expect(s2.cells == s1.cells, "\(S.diff(s2.cells, s1.cells).prefix(10))")
        let r1 = Set(sources(rejected1).keys), r2 = Set(sources(rejected2).keys)
        #expect(r2 == r1, "rejected sources: \(r1.count) vs \(r2.count); only in run B: \(r2.subtracting(r1).sorted().prefix(10))")
        // Nothing is lost: every rejected record of the one-instance run is there at least once.
        #expect(r1.isSubset(of: r2))
        #expect(sources(rejected1).values.allSatisfy { $0 == 1 })
        // Panes are emitted once, by the watermark, never as partials on revocation.
        #expect(Set(s2.closedBy.keys) == ["watermark"], "\(s2.closedBy)")
        #expect(!b2Final.isEmpty && !b1Final.isEmpty, "the rebalance shared the partitions: b1 \(b1Final), b2 \(b2Final)")
    }
}
}
