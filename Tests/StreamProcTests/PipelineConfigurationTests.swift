import Foundation
import Testing
import Crypto
@testable import StreamProc
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import LoadKit
import StreamProcTesting

@Suite struct PipelineConfigurationTests {
    @Test func defaultsAreValidAndEmbedded() throws {
        var c = PipelineConfiguration()
        try c.validate()
        #expect(c.isEmbedded)
        #expect(c.topics == ["ykm.scans"])
        #expect(c.http == "127.0.0.1:8080")
        #expect(c.allowedLatenessMs == 120_000)
    }

    @Test(arguments: ["--keys", "--topics", "--http", "--allowed-lateness-ms", "--workers", "--keys ", "--store"])
    func invalidConfigurationNamesTheFlag(_ flag: String) {
        var c = PipelineConfiguration()
        switch flag {
        case "--keys": c.brokers = "localhost:9092"  // brokers without a registry
        case "--topics": c.topics = [""]
        case "--http": c.http = "localhost"
        case "--allowed-lateness-ms": c.allowedLatenessMs = -1
        case "--workers": c.workers = 0
        case "--store": c.store = "postgres://u:p@127.0.0.1:5432/db"  // a durable store for the embedded cluster
        default: c.keysPath = "/nonexistent/keys.json"
        }
        #expect {
            try c.validate()
        } throws: { error in
            (error as? ConfigurationError)?.message.contains(flag.trimmingCharacters(in: .whitespaces)) == true
        }
    }
}

@Suite struct OutputRecordsTests {
    let outputs = OutputRecords(countsTopic: "c", rejectedTopic: "r", processorID: "p1",
                                scenarioIDs: ["transit", "bank"], districtCodes: ["500101", "500102"])

    @Test func oneCountsRecordPerCellWithAdditiveCounts() throws {
        let pane = ClosedPane(kind: .onTime, windowStartMs: 1_795_219_140_000, counts: [
            PaneCount(scenario: 0, district: 1, verdict: .expired, count: 2),
            PaneCount(scenario: 0, district: 1, verdict: .valid, count: 5),
            PaneCount(scenario: 1, district: 0, verdict: .valid, count: 1),
        ])
        let records = outputs.counts(pane, source: TopicPartition(topic: "ykm.scans", partition: 3))
        #expect(records.count == 2)
        #expect(String(decoding: records[0].key ?? [], as: UTF8.self) == "transit|500102|1795219140000|ykm.scans-3")
        let value = String(decoding: records[0].value, as: UTF8.self)
        #expect(value.contains("\"valid\":5"))
        #expect(value.contains("\"expired\":2"))
        #expect(value.contains("\"total\":7"))
        #expect(value.contains("\"late\":0"))
        #expect(value.contains("\"kind\":\"on_time\""))
        #expect(value.contains("\"window_end_ms\":1795219200000"))
        #expect(records.allSatisfy { $0.topic == "c" })
    }

    /// A rejected copy's key is capped: a 1.2 MB input key made an unsendable copy.
    @Test func longKeysAreCappedWithSizeAndDigest() throws {
        let key = [UInt8](repeating: 0x4b, count: 1_200_000)
        let capped = OutputRecords.cappedKey(key[...])
        #expect(capped.key?.count == OutputRecords.maxKeyBytes)
        let headers = Dictionary(uniqueKeysWithValues: capped.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) })
        #expect(headers["key.truncated"] == "true")
        #expect(headers["key.original.size"] == "1200000")
        let digest = SHA256.hash(data: key).map { String(format: "%02x", $0) }.joined()
        #expect(headers["key.original.sha256"] == digest)
        let short = OutputRecords.cappedKey(Array("terminal-7".utf8)[...])
        #expect(short.key == Array("terminal-7".utf8))
        #expect(short.headers.isEmpty)
        #expect(OutputRecords.cappedKey(nil).key == nil)
    }

    @Test func lateCorrectionsCarryOnlyTheLateCount() {
        let pane = ClosedPane(kind: .late, windowStartMs: 60_000, counts: [
            PaneCount(scenario: 1, district: 1, verdict: .valid, count: 3),
        ])
        let records = outputs.counts(pane, source: TopicPartition(topic: "t", partition: 0))
        let value = String(decoding: records[0].value, as: UTF8.self)
        #expect(value.contains("\"kind\":\"late\""))
        #expect(value.contains("\"valid\":0"))
        #expect(value.contains("\"late\":3"))
        #expect(value.contains("\"total\":0"))
    }

    @Test func jsonStringsAreEscaped() {
        #expect(JSONText.quoted("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
    }
}
