import Foundation
import Testing
@testable import ScanRules
import Aggregates
import StreamProcTesting

/// The verified-events record (issue 13 item 2) built from the corpus's valid events.
@Suite struct VerifiedEventRecordTests {
    static let nowMs: Int64 = 1_795_300_000_000
    static let keyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static var schemaPath: String {
        // #filePath = <repo>/Tests/ScanRulesTests/VerifiedEventRecordTests.swift
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/verified-event.schema.json").path
    }

    /// (input line object, record) for every line of the corpus whose expected final verdict is `valid`.
    static func corpusRecords() throws -> [([String: Any], VerifiedEventRecord)] {
        let registry = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        let engine = VerdictEngine(registry: registry, reference: .embedded)
        let builder = VerifiedEventRecordBuilder(
            reference: .embedded, pseudonymKey: try PseudonymKey(parsing: #"{"kid":"psn-test","key":"\#(keyHex)"}"#))
        let lines = try SharedFixtures.lines("corpus/v1/events.jsonl")
        let expected = try SharedFixtures.lines("corpus/v1/expected-verdicts.jsonl")
        var out: [([String: Any], VerifiedEventRecord)] = []
        for (line, verdictLine) in zip(lines, expected) {
            let verdict = (try JSONSerialization.jsonObject(with: verdictLine) as! [String: Any])["verdict"] as! String
            let value = [UInt8](line)
            let judgement = engine.judge(value, nowMs: nowMs)
            if verdict != "valid" {
                // Rules 1–6 verdicts other than valid never make a record.
                if judgement.verdict != .valid {
                    #expect(builder.record(value: value, judgement: judgement, decoder: engine.decoder, verdictAtMs: nowMs) == nil)
                }
                continue
            }
            #expect(judgement.verdict == .valid)
            guard let record = builder.record(value: value, judgement: judgement, decoder: engine.decoder, verdictAtMs: nowMs) else {
                Issue.record("no record for a valid line"); continue
            }
            out.append((try JSONSerialization.jsonObject(with: line) as! [String: Any], record))
        }
        return out
    }

    static func payloadClaims(_ code: String) -> [String: Any] {
        var b64 = String(code.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return try! JSONSerialization.jsonObject(with: Data(base64Encoded: b64)!) as! [String: Any]
    }

    @Test func recordsCarryTheEventAndAPseudonymButNoSubjectOrCode() throws {
        let records = try Self.corpusRecords()
        #expect(records.count > 2000, "corpus valid events: \(records.count)")
        let key = try PseudonymKey(parsing: #"{"kid":"psn-test","key":"\#(Self.keyHex)"}"#)
        var scenarios = Set<String>()
        for (input, record) in records {
            let out = try JSONSerialization.jsonObject(with: Data(record.value)) as! [String: Any]
            let claims = Self.payloadClaims(input["code"] as! String)
            let sub = claims["sub"] as! String
            #expect(String(decoding: record.key, as: UTF8.self) == input["district"] as! String)
            for field in ["event_id", "scenario", "district", "terminal_id", "mode"] {
                #expect(out[field] as? String == input[field] as? String, "\(field)")
            }
            #expect((out["scanned_at"] as! NSNumber).int64Value == (input["scanned_at"] as! NSNumber).int64Value)
            for field in ["iss", "kid", "typ"] { #expect(out[field] as? String == claims[field] as? String, "\(field)") }
            for field in ["iat", "exp"] { #expect((out[field] as! NSNumber).int64Value == (claims[field] as! NSNumber).int64Value) }
            #expect(NSDictionary(dictionary: out["detail"] as! [String: Any]).isEqual(to: input["detail"] as! [String: Any]),
                    "detail of \(input["event_id"]!)")
            #expect((out["verdict_at"] as! NSNumber).int64Value == Self.nowMs)
            #expect(out["subject_pseudonym"] as? String == key.pseudonym(issuer: claims["iss"] as! String, subject: sub))
            #expect(out["pseudonym_key_id"] as? String == "psn-test")
            #expect(out["sub"] == nil && out["code"] == nil)
            let text = String(decoding: record.value, as: UTF8.self)
            #expect(!text.contains(sub), "raw sub in \(input["event_id"]!)")
            let signature = String((input["code"] as! String).split(separator: ".")[2])
            #expect(!text.contains(signature) && !text.contains("YKM1."))
            scenarios.insert(out["scenario"] as! String)
        }
        #expect(scenarios.count == 20)
    }

    @Test func firstCorpusEventExactly() throws {
        let (_, record) = try #require(try Self.corpusRecords().first)
        // Line 1 of events.jsonl; the pseudonym is Python's
        // hmac.new(bytes(range(32)), b"CQ-YKM\x00ub79c77c82d55", 'sm3').hexdigest().
        #expect(String(decoding: record.value, as: UTF8.self) == #"{"v":1,"event_id":"ev0000070001","scenario":"internet_cafe","district":"500101","terminal_id":"T-500101-10196","scanned_at":1795219193187,"mode":"scan","iss":"CQ-YKM","kid":"ykm-2026a","typ":"P","iat":1795219150,"exp":1795219210,"detail":{"venue_id":"VENU-2290"},"verdict_at":1795300000000,"subject_pseudonym":"90688f3538863a3375d1a6323cccc1dbdaddb3fdf0b5f8cc412143ba108cdc01","pseudonym_key_id":"psn-test"}"#)
        #expect(record.key == Array("500101".utf8))
    }

    @Test func stringsAreEscaped() {
        var w = JSONWriter()
        w.beginObject()
        w.field("a", string: "q\"b\\s\u{1}\n渝")
        w.key("o")
        w.beginObject()
        w.field("n", int: -5)
        w.endObject()
        w.field("z", int: 0)
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"a":"q\"b\\s\u0001\u000a渝","o":{"n":-5},"z":0}"#)
    }

    /// Validates every corpus record against docs/verified-event.schema.json with Python's
    /// `jsonschema` (Draft 2020-12 validator; Debian `python3-jsonschema` or PyPI `jsonschema`).
    @Test func recordsValidateAgainstTheJSONSchema() throws {
        let records = try Self.corpusRecords()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verified-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var jsonl = Data()
        for (_, record) in records { jsonl.append(contentsOf: record.value); jsonl.append(0x0A) }
        // Two deliberately broken records: the validator must refuse them.
        jsonl.append(contentsOf: Array(#"{"v":1}"#.utf8)); jsonl.append(0x0A)
        var withSub = try JSONSerialization.jsonObject(with: Data(records[0].1.value)) as! [String: Any]
        withSub["sub"] = "u123"
        jsonl.append(try JSONSerialization.data(withJSONObject: withSub)); jsonl.append(0x0A)
        let path = dir.appendingPathComponent("records.jsonl").path
        try jsonl.write(to: URL(fileURLWithPath: path))

        let script = """
            import json, sys
            from jsonschema import Draft202012Validator
            schema = json.load(open(sys.argv[1], encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            v = Draft202012Validator(schema)
            ok = bad = 0
            for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
                errors = list(v.iter_errors(json.loads(line)))
                if errors: bad += 1; print("line", n, errors[0].message, file=sys.stderr)
                else: ok += 1
            print(ok, bad)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, Self.schemaPath, path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0,
                     "python3 with jsonschema is needed (apt-get install python3-jsonschema): \(stderr)")
        #expect(stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(records.count) 2", "\(stderr.prefix(2000))")
        let errorLines = stderr.split(separator: "\n")
        #expect(errorLines.count == 2)
        #expect(errorLines.last?.contains("'sub' was unexpected") == true, "\(stderr)")
    }
}
