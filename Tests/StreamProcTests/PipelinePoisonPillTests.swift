import Crypto
import Foundation
import Testing
@testable import StreamProc
import ScanRules
import Aggregates
import KafkaIO
import StreamProcTesting

/// Issue 12 Must 1 through Kafka: hostile records in the middle of the corpus (one
/// partition, in order) neither stop the partition nor disturb the corpus counts; each
/// gets its verdict once and its rejected copy.
extension PipelineIntegrationTests {
@Suite("Pipeline poison pills", .serialized)
struct PipelinePoisonPillTests {
    /// The hostile records, in the order they are produced (after corpus line 1500).
    static let oneMB = 1_000_000
    /// The mock cluster accepts a 5,000,000-byte value, but keeps only 5 MiB (5,242,880 B)
    /// per partition log, dropping the oldest message sets when an append passes that. Two
    /// traps of librdkafka 2.0.2's mock (`rd_kafka_mock_msgset_new`) shape the production
    /// below: sets are dropped before the reader may have fetched them, and when the set
    /// dropped is the only one left, the log start jumps to the new END offset, so the
    /// set being appended is lost too. Hence: the 1 MB and the null record go as separate
    /// sets and are read before the 5 MB one is sent, and after the 5 MB record one small
    /// set (one corpus line) goes first, so that it is not the 5 MB set alone that the next
    /// append drops.
    static let fiveMB = 5_000_000

    /// Deterministic bytes that are not JSON (so the SHA-256 check is meaningful).
    static func bytes(_ n: Int, seed: UInt8) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        var x = UInt32(seed) &* 2_654_435_761 | 1
        for i in 0..<n {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            out[i] = UInt8(truncatingIfNeeded: x)
        }
        return out
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    @Test("a 1 MB, a 5 MB and a null record (null key, binary headers) mid-corpus: exact corpus counts, each judged once, each copied to the rejected topic",
          .timeLimit(.minutes(3)))
    func hostileRecordsMidCorpus() async throws {
        let S = PipelineTestSupport.self
        let cluster = try EmbeddedKafkaCluster(
            topics: ["ykm.scans": 1, "ykm.counts.1m": 1, "ykm.scans.rejected": 1], logger: S.logger)
        defer { cluster.stop() }
        let lines = try S.corpusLines()
        #expect(lines.count == 3027)
        let split = 1_500

        // Idle timeout 30 s (the default, not the helper's 2 s): the corpus is days old, so an
        // idle raise between the production steps below would make the second half late
        // (they take several seconds on a loaded machine: 10 s proved too short). The windows
        // then close 30 s after the last line.
        let running = try S.Running(cluster: cluster, groupID: "poison-\(UUID().uuidString)",
                                    processorID: "test-poison", idleTimeoutMs: 30_000)
        let binary: [UInt8] = [0x00, 0xff, 0x80, 0x0a, 0x22, 0x5c]
        let big = Self.bytes(Self.oneMB, seed: 1)
        let huge = Self.bytes(Self.fiveMB, seed: 5)
        let bigMessage = KafkaProducerMessage(topic: "ykm.scans", partition: 0, key: Array("big-key".utf8), value: big,
                                              headers: [KafkaHeader(name: "bin", value: binary)])
        var nullMessage = KafkaProducerMessage(topic: "ykm.scans", partition: 0, key: nil, value: [],
                                               headers: [KafkaHeader(name: "bin", value: binary),
                                                         KafkaHeader(name: "nullheader", value: nil as [UInt8]?)])
        nullMessage.isNullValue = true
        let hugeMessage = KafkaProducerMessage(topic: "ykm.scans", partition: 0, key: nil, value: huge)

        var config = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        config.lingerMs = 2
        config.maxMessageBytes = 8_000_000
        let producer = try KafkaProducer(configuration: config, logger: S.logger)
        func send(_ messages: [KafkaProducerMessage], _ what: String) async throws {
            try await S.bounded(30, "producing \(what)") { try await producer.sendBatch(messages) }
        }
        try await running.stopping {
            try await send((0..<split).map { KafkaProducerMessage(topic: "ykm.scans", partition: 0, value: lines[$0]) },
                           "corpus lines 1–\(split)")
            try await S.waitUntil(60, "the pipeline judging \(split) events") { running.events >= UInt64(split) }
            // Separate sets, read before the 5 MB record drops them (see ``fiveMB``).
            try await send([bigMessage], "the 1 MB record")
            try await send([nullMessage], "the null record")
            try await S.waitUntil(30, "the pipeline judging the 1 MB and the null record") { running.events >= UInt64(split + 2) }
            try await send([hugeMessage], "the 5 MB record")
            try await S.waitUntil(30, "the pipeline judging the hostile records") { running.events >= UInt64(split + 3) }
            let rest = (split..<lines.count).map { KafkaProducerMessage(topic: "ykm.scans", partition: 0, value: lines[$0]) }
            try await send([rest[0]], "corpus line \(split + 1)")
            try await send(Array(rest.dropFirst()), "corpus lines \(split + 2)–\(lines.count)")
            try await S.bounded(15, "closing the test producer") { try await producer.close() }
            try await S.waitUntil(60, "the pipeline judging 3030 records") { running.events >= 3030 }
            try await S.waitUntilClosed([running], throughMs: try S.corpusEndMs(), seconds: 75)
        }

        // Verdicts: the corpus totals plus three malformed, unattributed records, once each.
        let totals = running.live.snapshot.totals
        #expect(totals.events == 3030)
        #expect(totals.late == 0)
        #expect(totals.verdicts[Int(Verdict.malformed.rawValue)] == 190 + 3)
        #expect(totals.verdicts[Int(Verdict.valid.rawValue)] == 2710)
        #expect(totals.unattributed.reduce(0, +) == 77 + 3)
        // Per reason: the corpus's own (decoded here, no verification needed) plus 2 too_large, 1 bad_json.
        let decoder = EventDecoder(reference: .embedded)
        var corpusTooLarge: UInt64 = 0, corpusBadJSON: UInt64 = 0
        for line in lines {
            if case .malformed(let reason, let attribution) = decoder.decode(line, nowMs: WallClock.nowMs()), attribution == nil {
                if reason == .tooLarge { corpusTooLarge += 1 }
                if reason == .badJSON { corpusBadJSON += 1 }
            }
        }
        #expect(totals.unattributed[Int(MalformedReason.tooLarge.rawValue)] == corpusTooLarge + 2)
        #expect(totals.unattributed[Int(MalformedReason.badJSON.rawValue)] == corpusBadJSON + 1)

        // Counts: exactly expected-counts.csv (the hostile records are unattributed: no cell).
        let counts = try await S.readAll(cluster, topic: "ykm.counts.1m", partitions: 1)
        let sums = try S.sumCounts(counts)
        let expected = try S.expectedCounts()
        #expect(sums.cells == expected, "\(S.diff(sums.cells, expected))")
        #expect(sums.late == 0)
        #expect(sums.lateRecords == 0)

        // Rejected: the 317 non-valid corpus lines (offsets shifted by 3 after the split)
        // and the three hostile records at offsets 1500, 1501, 1502.
        let rejected = try await S.readAll(cluster, topic: "ykm.scans.rejected", partitions: 1)
        #expect(rejected.count == 317 + 3)
        let byOffset = Dictionary(grouping: rejected) { Int($0.headers["source.offset"] ?? "") ?? -1 }
        #expect(byOffset.values.allSatisfy { $0.count == 1 }, "a record was copied twice")
        let verdicts = try S.expectedVerdicts()
        let corpusRejected = Set(verdicts.indices.filter { verdicts[$0] != "valid" }.map { $0 < split ? $0 : $0 + 3 })
        #expect(Set(byOffset.keys) == corpusRejected.union([split, split + 1, split + 2]))

        // The 1 MB record: too_large, truncated to 64 KiB, original size and SHA-256 of the whole value.
        let b = try #require(byOffset[split]?.first)
        #expect(b.headers["verdict"] == "malformed")
        #expect(b.headers["reason"] == "too_large")
        #expect(b.key == Array("big-key".utf8))
        #expect(b.headers["truncated"] == "true")
        #expect(b.headers["original.size"] == "1000000")
        #expect(b.headers["original.sha256"] == Self.hex(SHA256.hash(data: big)))
        #expect(b.value == Array(big.prefix(OutputRecords.truncatedValueBytes)))
        #expect(b.rawHeaders.first { $0.name == "bin" }?.value.map(Array.init) == binary)
        #expect(!b.isNullValue)

        // The null record: null stays null, says so, null key, binary and null headers intact.
        let n = try #require(byOffset[split + 1]?.first)
        #expect(n.headers["verdict"] == "malformed")
        #expect(n.headers["reason"] == "bad_json")
        #expect(n.isNullValue)
        #expect(n.value.isEmpty)
        #expect(n.headers["value.null"] == "true")
        #expect(n.key == nil)
        #expect(n.headers["truncated"] == nil)
        #expect(n.rawHeaders.first { $0.name == "bin" }?.value.map(Array.init) == binary)
        let nullHeader = n.rawHeaders.first { $0.name == "nullheader" }
        #expect(nullHeader != nil && nullHeader?.value == nil)

        // The 5 MB record: like the 1 MB one.
        let h = try #require(byOffset[split + 2]?.first)
        #expect(h.headers["reason"] == "too_large")
        #expect(h.headers["original.size"] == "5000000")
        #expect(h.headers["original.sha256"] == Self.hex(SHA256.hash(data: huge)))
        #expect(h.value == Array(huge.prefix(OutputRecords.truncatedValueBytes)))
        #expect(h.key == nil)

        // The corpus copies are whole and carry their line's verdict.
        var problems: [String] = []
        for (offset, records) in byOffset where offset < split || offset > split + 2 {
            let line = offset < split ? offset : offset - 3
            guard line >= 0, line < lines.count, let r = records.first else { problems.append("offset \(offset)"); continue }
            if r.value != lines[line] { problems.append("line \(line + 1): value differs") }
            if r.headers["verdict"] != verdicts[line] { problems.append("line \(line + 1): verdict \(r.headers["verdict"] ?? "nil")") }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }
}
}
