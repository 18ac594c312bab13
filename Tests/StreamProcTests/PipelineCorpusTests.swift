import Foundation
import Testing
@testable import StreamProc
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import LoadKit
import StreamProcTesting

/// The public corpus (spec v1 §8) through the whole running system: produced
/// in order to one partition of an embedded Kafka cluster, consumed by the
/// `Pipeline`, and read back from its output topics.
extension PipelineIntegrationTests {
@Suite("Pipeline corpus", .serialized)
struct PipelineCorpusTests {
    /// Who writes the corpus to the input topic.
    enum CorpusProducer: String, Sendable, CustomTestStringConvertible {
        case kcat, kafkaProducer
        var testDescription: String { rawValue }
    }

    @Test("corpus in order on one partition: counts equal expected-counts.csv, rejected = the 317 non-valid lines",
          .timeLimit(.minutes(2)), arguments: [CorpusProducer.kcat, .kafkaProducer])
    func corpusThroughPipeline(_ producer: CorpusProducer) async throws {
        let S = PipelineTestSupport.self
        let cluster = try EmbeddedKafkaCluster(
            topics: ["ykm.scans": 1, "ykm.counts.1m": 1, "ykm.scans.rejected": 1], logger: S.logger)
        defer { cluster.stop() }
        let lines = try S.corpusLines()
        #expect(lines.count == 3027)

        let running = try S.Running(cluster: cluster, groupID: "corpus-\(producer.rawValue)-\(UUID().uuidString)",
                                    processorID: "test-\(producer.rawValue)")
        switch producer {
        case .kcat:
            let status = try await S.produceWithKcat(cluster: cluster, topic: "ykm.scans")
            #expect(status == 0)
        case .kafkaProducer:
            try await S.produce(lines, range: 0..<lines.count, cluster: cluster, topic: "ykm.scans") { _ in 0 }
        }
        let ends = try RawKafka(cluster.bootstrapServers, group: "probe").logEndOffsets(topic: "ykm.scans", partitions: 1)
        #expect(ends == [0: Int64(lines.count)])

        try await running.stopping {
            try await S.waitUntil(60, "the pipeline judging 3027 events") { running.events >= 3027 }
            try await S.waitUntilClosed([running], throughMs: try S.corpusEndMs(), seconds: 30)
        }
        let totals = running.live.snapshot.totals
        #expect(totals.events == 3027)
        #expect(totals.late == 0)

        // Counts: summed per (window, scenario, district, verdict), exactly the CSV.
        let counts = try await S.readAll(cluster, topic: "ykm.counts.1m", partitions: 1)
        let sums = try S.sumCounts(counts)
        let expected = try S.expectedCounts()
        #expect(expected.count > 1000)
        #expect(sums.cells.count == expected.count)
        #expect(sums.cells == expected, "\(S.diff(sums.cells, expected))")
        #expect(sums.late == 0)
        #expect(sums.lateRecords == 0)
        #expect(Set(sums.closedBy.keys) == ["watermark"], "\(sums.closedBy)")

        // Rejected: exactly the non-valid lines, verdict header as expected, value bytes = the line.
        let verdicts = try S.expectedVerdicts()
        let expectedRejected = Set(verdicts.indices.filter { verdicts[$0] != "valid" })
        #expect(expectedRejected.count == 3027 - 2710)
        let rejected = try await S.readAll(cluster, topic: "ykm.scans.rejected", partitions: 1)
        #expect(rejected.count == expectedRejected.count)
        var seen = Set<Int>()
        var problems: [String] = []
        for r in rejected {
            guard let o = r.headers["source.offset"].flatMap({ Int($0) }), o >= 0, o < lines.count else {
                problems.append("record \(r.offset): bad source.offset \(r.headers["source.offset"] ?? "nil")")
                continue
            }
            if !seen.insert(o).inserted { problems.append("line \(o + 1) rejected twice") }
            if r.headers["verdict"] != verdicts[o] {
                problems.append("line \(o + 1): verdict \(r.headers["verdict"] ?? "nil"), expected \(verdicts[o])")
            }
            if r.value != lines[o] { problems.append("line \(o + 1): value bytes differ from the line") }
            if r.headers["source.topic"] != "ykm.scans" || r.headers["source.partition"] != "0" {
                problems.append("line \(o + 1): source \(r.headers["source.topic"] ?? "nil")/\(r.headers["source.partition"] ?? "nil")")
            }
            if (r.headers["reason"] ?? "").isEmpty { problems.append("line \(o + 1): no reason header") }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(seen == expectedRejected)
    }
}
}
