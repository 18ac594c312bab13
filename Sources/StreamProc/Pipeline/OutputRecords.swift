import ScanRules
import KafkaIO
import LiveView
import Aggregates

/// Builds the records streamproc writes: closed window cells to the counts
/// topic and non-valid input records to the rejected topic.
struct OutputRecords: Sendable {
    let countsTopic: String
    let rejectedTopic: String
    let processorID: String
    let scenarioIDs: [String]
    let districtCodes: [String]

    /// Why a closed pane is emitted, carried as `closed_by` in the value.
    enum Closing: String { case watermark, revocation, shutdown }

    /// One rejected-topic record: the original key and value bytes, with headers
    /// `verdict`, `reason` (malformed reason, `late`, or the verdict's name),
    /// `source.topic`, `source.partition`, `source.offset`.
    func rejected(_ record: KafkaRecord, verdict: Verdict, reason: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: rejectedTopic,
            key: record.key.map(Array.init),
            value: Array(record.value),
            headers: [
                KafkaHeader(name: "verdict", value: Array(verdict.name.utf8)),
                KafkaHeader(name: "reason", value: Array(reason.utf8)),
                KafkaHeader(name: "source.topic", value: Array(record.topic.utf8)),
                KafkaHeader(name: "source.partition", value: Array(String(record.partition).utf8)),
                KafkaHeader(name: "source.offset", value: Array(String(record.offset).utf8)),
            ])
    }

    /// One counts-topic record per (scenario, district) of a closed pane.
    ///
    /// Key `scenario|district|window_start_ms|topic-partition`. Value (JSON):
    /// `{"window_start_ms":…,"window_end_ms":…,"scenario":"transit","district":"500101",
    /// "source_topic":"ykm.scans","source_partition":3,"kind":"on_time"|"late",
    /// "closed_by":"watermark"|"revocation"|"shutdown","counts":{"valid":N,…},"late":N,
    /// "processor":"host-pid"}`. Records are partial per input partition and
    /// additive: a consumer sums every record of a (window, scenario, district)
    /// to get its counts, whatever the number of instances. `counts` holds
    /// on-time events; `late` the events counted after the pane closed (spec §7).
    func counts(_ pane: ClosedPane, source: TopicPartition, closing: Closing) -> [KafkaProducerMessage] {
        var out: [KafkaProducerMessage] = []
        var i = 0
        let c = pane.counts
        while i < c.count {
            let s = c[i].scenario, d = c[i].district
            var perVerdict = [UInt32](repeating: 0, count: Verdict.count)
            while i < c.count, c[i].scenario == s, c[i].district == d {
                perVerdict[Int(c[i].verdict.rawValue)] &+= c[i].count
                i += 1
            }
            out.append(cellRecord(pane: pane, scenario: s, district: d, perVerdict: perVerdict,
                                  source: source, closing: closing))
        }
        return out
    }

    private func cellRecord(pane: ClosedPane, scenario: Int, district: Int, perVerdict: [UInt32],
                            source: TopicPartition, closing: Closing) -> KafkaProducerMessage {
        let sid = scenario < scenarioIDs.count ? scenarioIDs[scenario] : "#\(scenario)"
        let dcode = district < districtCodes.count ? districtCodes[district] : "#\(district)"
        let isLate = pane.kind == .late
        var json = "{\"window_start_ms\":\(pane.windowStartMs),\"window_end_ms\":\(pane.windowEndMs)"
        json += ",\"scenario\":\(JSONText.quoted(sid)),\"district\":\(JSONText.quoted(dcode))"
        json += ",\"source_topic\":\(JSONText.quoted(source.topic)),\"source_partition\":\(source.partition)"
        json += ",\"kind\":\"\(isLate ? "late" : "on_time")\",\"closed_by\":\"\(closing.rawValue)\",\"counts\":{"
        var first = true
        var total: UInt64 = 0
        for v in Verdict.allCases {
            let n = isLate ? 0 : perVerdict[Int(v.rawValue)]
            total += UInt64(n)
            json += (first ? "" : ",") + "\"\(v.name)\":\(n)"
            first = false
        }
        let late = isLate ? perVerdict.reduce(UInt64(0)) { $0 + UInt64($1) } : 0
        json += "},\"total\":\(total),\"late\":\(late),\"processor\":\(JSONText.quoted(processorID))}"
        let key = "\(sid)|\(dcode)|\(pane.windowStartMs)|\(source.topic)-\(source.partition)"
        return KafkaProducerMessage(topic: countsTopic, key: Array(key.utf8), value: Array(json.utf8))
    }
}

/// Minimal JSON text helpers for the records we write.
enum JSONText {
    /// `s` as a JSON string literal (RFC 8259 §7 escapes).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
