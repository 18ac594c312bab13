import Foundation
import Testing
@testable import StreamProc
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import LoadKit
import StreamProcTesting

/// Graceful shutdown hands everything over: the group's committed offsets
/// reach the log end, and a restarted pipeline in the group has nothing to do.
extension PipelineIntegrationTests {
@Suite("Pipeline shutdown", .serialized)
struct PipelineShutdownTests {
    @Test("after a graceful stop the committed offsets are the log end offsets; a restart processes 0 records",
          .timeLimit(.minutes(2)))
    func shutdownCommitsEverything() async throws {
        let S = PipelineTestSupport.self
        let partitions: Int32 = 4
        let cluster = try EmbeddedKafkaCluster(
            topics: ["ykm.scans": Int(partitions), "ykm.counts.1m": 1, "ykm.scans.rejected": 1], logger: S.logger)
        defer { cluster.stop() }
        let lines = try S.corpusLines()
        try await S.produce(lines, range: 0..<lines.count, cluster: cluster, topic: "ykm.scans") { Int32($0 % 4) }
        let raw = try RawKafka(cluster.bootstrapServers, group: "shutdown-g")
        let ends = try raw.logEndOffsets(topic: "ykm.scans", partitions: partitions)
        #expect(ends.values.reduce(0, +) == Int64(lines.count))

        let first = try S.Running(cluster: cluster, groupID: "shutdown-g", processorID: "first")
        try await first.stopping {
            try await S.waitUntilProcessed([first], ends: ends, seconds: 60)
            try await S.waitUntilClosed([first], throughMs: try S.corpusEndMs(), seconds: 30)
            try await Task.sleep(for: .seconds(2))  // the next commit stores the offsets past the closed panes
        }
        #expect(first.live.snapshot.totals.events == UInt64(lines.count))
        #expect(try raw.committedOffsets(topic: "ykm.scans", partitions: partitions) == ends)
        let countsEnd = try raw.logEndOffsets(topic: "ykm.counts.1m", partitions: 1)
        let rejectedEnd = try raw.logEndOffsets(topic: "ykm.scans.rejected", partitions: 1)
        #expect(countsEnd[0, default: 0] > 0)
        // Not 317: rule 7 (duplicate) is per input partition, and the corpus is spread over 4 here.
        #expect(rejectedEnd[0, default: 0] > 0)

        // Restart in the same group: it takes all partitions at their log end and judges nothing.
        let second = try S.Running(cluster: cluster, groupID: "shutdown-g", processorID: "second")
        try await second.stopping {
            try await S.waitUntil(60, "the restarted pipeline owning every partition") {
                second.partitions.count == Int(partitions)
            }
            // Fetching starts at once on the mock; anything fetched from before
            // the log end would be judged and published within a tick (1 s).
            try await Task.sleep(for: .seconds(3))
        }
        #expect(second.live.snapshot.totals.events == 0)
        #expect(try raw.committedOffsets(topic: "ykm.scans", partitions: partitions) == ends)
        #expect(try raw.logEndOffsets(topic: "ykm.counts.1m", partitions: 1) == countsEnd)
        #expect(try raw.logEndOffsets(topic: "ykm.scans.rejected", partitions: 1) == rejectedEnd)
    }
}
}
