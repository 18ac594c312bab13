import Crypto
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
    /// The producer's `message.max.bytes`: a rejected copy larger than this (less framing
    /// headroom) is truncated (see ``rejected(_:verdict:reason:late:)``).
    var maxMessageBytes: Int = 1_000_000
    /// The verified-events topic and its record builder (issue 13), `nil` when off.
    var verified: (topic: String, builder: VerifiedEventRecordBuilder)?
    /// Bytes of value kept in a truncated rejected copy.
    static let truncatedValueBytes = 65_536

    /// One rejected-topic record: the original key and value bytes, with headers
    /// `verdict`, `reason` (malformed reason, `late`, or the verdict's name),
    /// `source.topic`, `source.partition`, `source.offset`, and `late: true` for a late
    /// record whose own reason is kept (spec §7); then the input record's own headers (when
    /// they take more than a quarter of ``maxMessageBytes`` they are dropped and
    /// `headers.dropped`/`headers.original.size` say so). A
    /// null value stays null (header `value.null: true`); a copy too large for
    /// ``maxMessageBytes`` keeps the first ``truncatedValueBytes`` of the value, with headers
    /// `truncated: true`, `original.size` (bytes) and `original.sha256` (hex, whole value).
    /// Re-sent after a crash it is the same record: consumers deduplicate by
    /// (`source.topic`, `source.partition`, `source.offset`).
    func rejected(_ record: KafkaRecord, verdict: Verdict, reason: String, late: Bool = false) -> KafkaProducerMessage {
        var headers = [
            KafkaHeader(name: "verdict", value: Array(verdict.name.utf8)),
            KafkaHeader(name: "reason", value: Array(reason.utf8)),
            KafkaHeader(name: "source.topic", value: Array(record.topic.utf8)),
            KafkaHeader(name: "source.partition", value: Array(String(record.partition).utf8)),
            KafkaHeader(name: "source.offset", value: Array(String(record.offset).utf8)),
        ]
        if late { headers.append(KafkaHeader(name: "late", value: Array("true".utf8))) }
        // The input's own headers are kept, after ours (binary values as they are), unless
        // they alone would crowd the copy past the size limit (a poison pill otherwise):
        // then a header says how many were dropped.
        let inputHeaderBytes = record.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) + 16 }
        if inputHeaderBytes <= maxMessageBytes / 4 {
            for h in record.headers { headers.append(KafkaHeader(name: h.name, value: h.value.map(Array.init))) }
        } else {
            headers.append(KafkaHeader(name: "headers.dropped", value: Array(String(record.headers.count).utf8)))
            headers.append(KafkaHeader(name: "headers.original.size", value: Array(String(inputHeaderBytes).utf8)))
        }
        let key = Self.cappedKey(record.key)
        headers += key.headers
        var message = KafkaProducerMessage(topic: rejectedTopic, key: key.key, value: [], headers: headers)
        if record.isNullValue {
            // A null value stays null, and says so.
            message.isNullValue = true
            message.headers.append(KafkaHeader(name: "value.null", value: Array("true".utf8)))
            return message
        }
        let headerBytes = message.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) + 16 }
        let size = record.value.count + (message.key?.count ?? 0) + headerBytes + 512  // + framing
        if size > maxMessageBytes {
            // Too large to copy whole (a poison pill otherwise): a prefix of the value, with
            // its original size and the SHA-256 of the whole value (hex).
            let keep = max(0, min(Self.truncatedValueBytes, maxMessageBytes - (size - record.value.count) - 256))
            message.value = Array(record.value.prefix(keep))
            message.headers.append(KafkaHeader(name: "truncated", value: Array("true".utf8)))
            message.headers.append(KafkaHeader(name: "original.size", value: Array(String(record.value.count).utf8)))
            let digest = SHA256.hash(data: record.value).map { String(format: "%02x", $0) }.joined()
            message.headers.append(KafkaHeader(name: "original.sha256", value: Array(digest.utf8)))
        } else {
            message.value = Array(record.value)
        }
        return message
    }

    /// Keys longer than this are cut in rejected copies (``cappedKey(_:)``), bytes.
    static let maxKeyBytes = 4_096

    /// The key of a rejected copy: the input's key, or — when longer than ``maxKeyBytes``
    /// (a record with a 1 MB key would otherwise make an unsendable copy) — its first
    /// ``maxKeyBytes`` bytes with headers `key.truncated`, `key.original.size` and
    /// `key.original.sha256` (hex SHA-256 of the whole key).
    static func cappedKey(_ key: ArraySlice<UInt8>?) -> (key: [UInt8]?, headers: [KafkaHeader]) {
        guard let key else { return (nil, []) }
        guard key.count > maxKeyBytes else { return (Array(key), []) }
        let digest = SHA256.hash(data: key).map { String(format: "%02x", $0) }.joined()
        return (Array(key.prefix(maxKeyBytes)), [
            KafkaHeader(name: "key.truncated", value: Array("true".utf8)),
            KafkaHeader(name: "key.original.size", value: Array(String(key.count).utf8)),
            KafkaHeader(name: "key.original.sha256", value: Array(digest.utf8)),
        ])
    }

    /// One verified-events record (keyed by district code, the pseudonymous JSON of
    /// `docs/verified-event.schema.json`), with headers `source.topic`, `source.partition`
    /// and `source.offset`: a record re-sent after a crash carries the same source, and
    /// `event_id`, so readers can drop repeats.
    func verifiedRecord(_ r: VerifiedEventRecord, topic: String, source record: KafkaRecord) -> KafkaProducerMessage {
        KafkaProducerMessage(topic: topic, key: r.key, value: r.value, headers: [
            KafkaHeader(name: "source.topic", value: Array(record.topic.utf8)),
            KafkaHeader(name: "source.partition", value: Array(String(record.partition).utf8)),
            KafkaHeader(name: "source.offset", value: Array(String(record.offset).utf8)),
        ])
    }

    /// The counts-topic record of ONE late event (spec §7): `kind` `late`, `late` 1 and the
    /// event's verdict in `late_verdict`, keyed `scenario|district|window_start_ms|topic-partition|late@offset`
    /// so that a record re-sent after a crash has the key of the first (effectively-once by key).
    func late(_ record: KafkaRecord, scenario: Int, district: Int, verdict: Verdict, windowStartMs: Int64) -> KafkaProducerMessage {
        let sid = scenario < scenarioIDs.count ? scenarioIDs[scenario] : "#\(scenario)"
        let dcode = district < districtCodes.count ? districtCodes[district] : "#\(district)"
        var json = "{\"window_start_ms\":\(windowStartMs),\"window_end_ms\":\(windowStartMs + WindowConfiguration.paneMs)"
        json += ",\"scenario\":\(JSONText.quoted(sid)),\"district\":\(JSONText.quoted(dcode))"
        json += ",\"source_topic\":\(JSONText.quoted(record.topic)),\"source_partition\":\(record.partition)"
        json += ",\"source_offset\":\(record.offset),\"kind\":\"late\",\"counts\":{},\"total\":0,\"late\":1"
        json += ",\"late_verdict\":\"\(verdict.name)\",\"processor\":\(JSONText.quoted(processorID))}"
        let key = "\(sid)|\(dcode)|\(windowStartMs)|\(record.topic)-\(record.partition)|late@\(record.offset)"
        return KafkaProducerMessage(topic: countsTopic, key: Array(key.utf8), value: Array(json.utf8))
    }

    /// One counts-topic record per (scenario, district) of a closed on-time pane: the FINAL
    /// count of that (window, cell, source partition); panes are emitted once, when the
    /// watermark passes them (spec §7), never as partials on revocation or shutdown.
    ///
    /// Key `scenario|district|window_start_ms|topic-partition` (a record re-sent after a
    /// crash has the same key). Value (JSON):
    /// `{"window_start_ms":…,"window_end_ms":…,"scenario":"transit","district":"500101",
    /// "source_topic":"ykm.scans","source_partition":3,"kind":"on_time",
    /// "closed_by":"watermark","counts":{"valid":N,…},"total":N,"late":0,
    /// "processor":"host-pid"}`. Per source partition: a consumer sums the records of
    /// distinct keys of a (window, scenario, district) to get its counts, whatever the
    /// number of instances; late events come as ``late(_:scenario:district:verdict:windowStartMs:)`` records.
    func counts(_ pane: ClosedPane, source: TopicPartition) -> [KafkaProducerMessage] {
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
            out.append(cellRecord(pane: pane, scenario: s, district: d, perVerdict: perVerdict, source: source))
        }
        return out
    }

    private func cellRecord(pane: ClosedPane, scenario: Int, district: Int, perVerdict: [UInt32],
                            source: TopicPartition) -> KafkaProducerMessage {
        let sid = scenario < scenarioIDs.count ? scenarioIDs[scenario] : "#\(scenario)"
        let dcode = district < districtCodes.count ? districtCodes[district] : "#\(district)"
        let isLate = pane.kind == .late
        var json = "{\"window_start_ms\":\(pane.windowStartMs),\"window_end_ms\":\(pane.windowEndMs)"
        json += ",\"scenario\":\(JSONText.quoted(sid)),\"district\":\(JSONText.quoted(dcode))"
        json += ",\"source_topic\":\(JSONText.quoted(source.topic)),\"source_partition\":\(source.partition)"
        json += ",\"kind\":\"\(isLate ? "late" : "on_time")\",\"closed_by\":\"watermark\",\"counts\":{"
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
