import Aggregates
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// One minimal input per malformed reason the decoder produces (spec v1 §1–§3, §5 rule 1, §6).
@Suite struct DecodingReasonTests {
    typealias F = DecodingFixture

    @Test func validMinimalEventDecodes() throws {
        let e = try #require(F.decode(F.event()).event)
        #expect(e.eventID == "ev0000000001")
        #expect(e.scenario == 0)
        #expect(e.district == 0)
        #expect(e.terminalID == "T-500101-00001")
        #expect(e.scannedAtMs == F.scannedAt)
        #expect(e.mode == .scan)
        #expect(e.code.payload == Array(F.defaultPayload.utf8))
        #expect(e.code.signature == F.signature)
        #expect(e.code.claims.issuer == "CQ-YKM")
        #expect(e.code.claims.keyID == "ykm-2026a")
        #expect(e.code.claims.type == .personal)
        #expect(e.code.claims.subject.rawValue == "u0123456789ab")
        #expect(e.code.claims.issuedAt == 1_795_220_990)
        #expect(e.code.claims.expiresAt == 1_795_221_050)
        guard case .internetCafe(let d) = e.detail else { Issue.record("wrong detail \(e.detail)"); return }
        #expect(d.venueID == "VENU-1")
        #expect(d.seat == nil)
    }

    @Test func subjectIsRedactedInText() throws {
        let e = try #require(F.decode(F.event()).event)
        let s = e.code.claims.subject
        #expect("\(s)" == "sub:<redacted>")
        #expect(String(reflecting: s) == "sub:<redacted>")
        var dumped = ""
        dump(e.code.claims, to: &dumped)
        #expect(!dumped.contains("u0123456789ab"))
    }

    @Test func tooLarge() {
        let body = F.event(["pad": "\"" + String(repeating: "x", count: 16 * 1024) + "\""])
        let r = F.decode(body)
        #expect(r.reason == .tooLarge)
        #expect(r.attributed == false)
        // Exactly 16 KiB is accepted.
        let base = F.event(["pad": "\"\""])
        let exact = F.event(["pad": "\"" + String(repeating: "x", count: 16 * 1024 - base.utf8.count) + "\""])
        #expect(exact.utf8.count == 16 * 1024)
        #expect(F.decode(exact).event != nil)
    }

    @Test func tooDeep() {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        // The event object is level 1, so 31 arrays inside it reach level 32.
        #expect(F.decode(F.event(["x": nested(31)])).event != nil)
        let r = F.decode(F.event(["x": nested(32)]))
        #expect(r.reason == .tooDeep)
        #expect(r.attributed == false)
        // Brackets inside strings do not count.
        #expect(F.decode(F.event(["x": "\"" + String(repeating: "[", count: 40) + "\""])).event != nil)
        // Checked before parsing: unbalanced deep garbage is too_deep, not bad_json.
        #expect(F.decode(String(repeating: "{", count: 33)).reason == .tooDeep)
    }

    @Test(arguments: [
        "\u{FEFF}" + DecodingFixture.event(),            // byte order mark
        DecodingFixture.event() + "x",                   // trailing garbage
        DecodingFixture.event() + "{}",                  // two values
        DecodingFixture.event(["x": "01"]),              // leading zero
        DecodingFixture.event(["x": "-"]),               // bare minus
        DecodingFixture.event(["x": "1."]),              // fraction without digits
        DecodingFixture.event(["x": "1e"]),              // exponent without digits
        DecodingFixture.event(["x": "+1"]),              // plus sign
        DecodingFixture.event(["x": "\"a\u{01}b\""]),    // control char in string
        DecodingFixture.event(["x": #""\x""#]),          // bad escape
        DecodingFixture.event(["x": #""\ud800""#]),      // lone high surrogate
        DecodingFixture.event(["x": #""\udc00""#]),      // lone low surrogate
        DecodingFixture.event(["x": #""\ud800\u0041""#]),// high surrogate + non-low
        DecodingFixture.event(["x": #""\u12g4""#]),      // bad hex
        DecodingFixture.event(["x": "tru"]),             // bad literal
        DecodingFixture.event(["x": "[1,]"]),            // trailing comma
        DecodingFixture.event(["x": "{\"a\":1,}"]),      // trailing comma in object
        "[1]", "\"s\"", "1", "null", "", " ",            // top level not an object
        "{\"v\":1",                                      // unterminated
    ])
    func badJSON(_ text: String) {
        let r = F.decode(text)
        #expect(r.reason == .badJSON)
        #expect(r.attributed == false)
    }

    @Test(arguments: [
        [0xC0, 0x80],              // overlong NUL
        [0xED, 0xA0, 0x80],        // encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xE4, 0xB8],              // truncated
        [0xFF],                    // invalid byte
        [0x80],                    // stray continuation
    ] as [[UInt8]])
    func invalidUTF8InStringIsBadJSON(_ bad: [UInt8]) {
        let text = F.event(["x": "\"@\""])
        var bytes = Array(text.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "@"))!
        bytes.replaceSubrange(at...at, with: bad)
        let r = F.decoder.decode(bytes, nowMs: F.nowMs)
        #expect(r.reason == .badJSON)
    }

    @Test func validUTF8AndEscapesAccepted() throws {
        let r = F.decode(F.event(["x": #""中文 \u4e2d \ud83d\ude00 \n \/ 😀""#,
                                  "detail": #"{"venue_id":"网吧\u0041"}"#]))
        let e = try #require(r.event)
        guard case .internetCafe(let d) = e.detail else { Issue.record("wrong detail"); return }
        #expect(d.venueID == "网吧A")
    }

    @Test func duplicateKeyInValueIsUnattributed() {
        for text in [
            F.event(["v": "1", "x": "1"]).replacingOccurrences(of: "\"x\"", with: "\"v\""),        // top level
            F.event(["x": "{\"a\":1,\"b\":{\"c\":1,\"c\":2}}"]),                                   // nested unknown object
            F.event(["detail": #"{"venue_id":"A","venue_id":"B"}"#]),                               // detail
            F.event(["\\u0076": "1"]),                                                                // "v" escaped
        ] {
            let r = F.decode(text)
            #expect(r.reason == .duplicateKey, "\(text)")
            #expect(r.attributed == false)
        }
        // Many keys (the sorted path) with one duplicate at the end.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":0"
        #expect(F.decode(F.event(["x": "{\(many)}"])).reason == .duplicateKey)
        let distinct = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(F.decode(F.event(["x": "{\(distinct)}"])).event != nil)
    }

    @Test func duplicateKeyInPayloadIsAttributed() {
        let payload = #"{"iss":"CQ-YKM","kid":"a","typ":"P","sub":"u1","iat":1,"exp":2,"iat":1}"#
        let r = F.decode(F.event(["code": "\"\(F.code(payload: payload))\""]))
        #expect(r.reason == .duplicateKey)
        #expect(r.attributed == true)
    }

    @Test func missingField() {
        for name in ["v", "event_id", "terminal_id", "mode", "code", "detail"] {
            let r = F.decode(F.event([name: nil]))
            #expect(r.reason == .missingField, "\(name)")
            #expect(r.attributed == true, "\(name)")
        }
        for name in ["scenario", "district", "scanned_at"] {
            let r = F.decode(F.event([name: nil]))
            #expect(r.reason == .missingField, "\(name)")
            #expect(r.attributed == false, "\(name)")
        }
    }

    @Test func badType() {
        #expect(F.decode(F.event(["v": "1.0"])).reason == .badType)
        #expect(F.decode(F.event(["v": "\"1\""])).reason == .badType)
        #expect(F.decode(F.event(["event_id": "7"])).reason == .badType)
        #expect(F.decode(F.event(["mode": "null"])).reason == .badType)
        #expect(F.decode(F.event(["code": "{}"])).reason == .badType)
        #expect(F.decode(F.event(["detail": "[]"])).reason == .badType)
        #expect(F.decode(F.event(["detail": "[]"])).attributed == true)
        for at in ["\"1795221000000\"", "1795221000000.0", "1.795221e12"] {
            let r = F.decode(F.event(["scanned_at": at]))
            #expect(r.reason == .badType, "\(at)")
            #expect(r.attributed == false, "\(at)")
        }
    }

    @Test func badValue() {
        #expect(F.decode(F.event(["v": "2"])).reason == .badValue)
        #expect(F.decode(F.event(["v": "2"])).attributed == true)
        #expect(F.decode(F.event(["event_id": #""""#])).reason == .badValue)
        #expect(F.decode(F.event(["event_id": #""semi;colon""#])).reason == .badValue)
        #expect(F.decode(F.event(["event_id": "\"" + String(repeating: "a", count: 65) + "\""])).reason == .badValue)
        #expect(F.decode(F.event(["event_id": "\"" + String(repeating: "a", count: 64) + "\""])).event != nil)
        #expect(F.decode(F.event(["terminal_id": #""T-é""#])).reason == .badValue)
        #expect(F.decode(F.event(["terminal_id": #""T\t1""#])).reason == .badValue)
        #expect(F.decode(F.event(["terminal_id": #""T 1~""#])).event != nil)
        #expect(F.decode(F.event(["mode": #""wave""#])).reason == .badValue)
        // Beyond ±2^53: bad_value, and not an integer for attribution.
        let r = F.decode(F.event(["scanned_at": "9007199254740993"]))
        #expect(r.reason == .badValue)
        #expect(r.attributed == false)
        #expect(F.decode(F.event(["v": "-9007199254740993"])).reason == .badValue)
    }

    @Test func unknownScenarioAndDistrict() {
        let s = F.decode(F.event(["scenario": #""casino""#]))
        #expect(s.reason == .unknownScenario)
        #expect(s.attributed == false)
        let d = F.decode(F.event(["district": #""50010""#]))
        #expect(d.reason == .unknownDistrict)
        #expect(d.attributed == false)
        #expect(F.decode(F.event(["scenario": #""transit""#, "district": #""500199""#])).reason == .unknownDistrict)
    }

    @Test(arguments: [
        #"{}"#,                                          // required missing
        #"{"venue_id":7}"#,                              // wrong type
        #"{"venue_id":""}"#,                             // empty string
        "{\"venue_id\":\"" + String(repeating: "字", count: 65) + "\"}",  // 65 chars
        #"{"venue_id":"A","seat":1}"#,                   // optional of wrong type
        #"{"venue_id":"A","seat":""}"#,                  // optional breaking its rule
    ])
    func badDetailInternetCafe(_ detail: String) {
        let r = F.decode(F.event(["detail": detail]))
        #expect(r.reason == .badDetail)
        #expect(r.attributed == true)
    }

    @Test func detailRulesPerKind() {
        func d(_ scenario: String, _ detail: String) -> DecodeResult {
            F.decode(F.event(["scenario": "\"\(scenario)\"", "detail": detail]))
        }
        #expect(d("hotel_checkin", #"{"hotel_id":"H","guests":1}"#).event != nil)
        #expect(d("hotel_checkin", #"{"hotel_id":"H","guests":0}"#).reason == .badDetail)
        #expect(d("hotel_checkin", #"{"hotel_id":"H","guests":1.0}"#).reason == .badDetail)
        #expect(d("payment", #"{"merchant_id":"M","amount_fen":0,"channel":"ecny"}"#).event != nil)
        #expect(d("payment", #"{"merchant_id":"M","amount_fen":-1}"#).reason == .badDetail)
        #expect(d("payment", #"{"merchant_id":"M","amount_fen":5,"channel":"cash"}"#).reason == .badDetail)
        #expect(d("transit", #"{"mode":"metro","line":"L1","station":"S","direction":"in","fare_fen":200}"#).event != nil)
        #expect(d("transit", #"{"mode":"boat","line":"L1","station":"S","direction":"in"}"#).reason == .badDetail)
        #expect(d("hospital", #"{"hospital_id":"H","action":"settlement","dept":"D"}"#).event != nil)
        #expect(d("housing_fund", #"{"action":"withdrawal_status"}"#).event != nil)
        #expect(d("housing_fund", #"{"action":"Balance"}"#).reason == .badDetail)
        // Unknown extra detail fields are ignored.
        #expect(d("utilities", #"{"utility":"gas","action":"pay","amount_fen":1,"meter":{"x":[1]}}"#).event != nil)
        if case .event(let e) = d("transit", #"{"mode":"ferry","line":"L","station":"S","direction":"out"}"#),
           case .transit(let t) = e.detail {
            #expect(t.mode == .ferry)
            #expect(t.direction == .out)
            #expect(t.fareFen == nil)
        } else {
            Issue.record("transit did not decode")
        }
    }

    @Test(arguments: [
        "ykm1.eyJ9.AA",                     // tag case
        "YKM2.eyJ9.AA",                     // other tag
        "YKM1:eyJ9.AA",                     // separator
        "YKM1.eyJ9",                        // two parts
        "YKM1.eyJ9.AA.AA",                  // four parts
        "YKM1.eyJ9.AA==",                   // padding
        "YKM1.eyJ+.AA",                     // '+' (standard alphabet)
        "YKM1.eyJ9.A",                      // length 1 mod 4
        "YKM1.eyJ9.AB",                     // non-zero unused bits
        "YKM1.ey J9.AA",                    // space
        "",                                 // empty
    ])
    func badCode(_ code: String) {
        let r = F.decode(F.event(["code": "\"\(code)\""]))
        #expect(r.reason == .badCode)
        #expect(r.attributed == true)
    }

    @Test(arguments: [
        "iss=CQ-YKM;kid=ykm-2026a",                                                     // not JSON
        #"["iss"]"#,                                                                    // not an object
        "",                                                                             // empty
        #"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"u1","iat":1795220990}"#,           // exp missing
        #"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"u1","iat":10,"exp":10}"#,          // exp == iat
        #"{"iss":"CQ-YKM","kid":"k","typ":"X","sub":"u1","iat":1,"exp":2}"#,            // typ
        #"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"","iat":1,"exp":2}"#,              // sub empty
        #"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"u1","iat":1.5,"exp":2}"#,          // iat not integer
        #"{"iss":"CQ-YKM","kid":7,"typ":"P","sub":"u1","iat":1,"exp":2}"#,              // kid type
        #"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"u1","iat":1,"exp":2,"ext":[]}"#,   // ext not object
        "\u{FEFF}{\"iss\":\"CQ-YKM\",\"kid\":\"k\",\"typ\":\"P\",\"sub\":\"u1\",\"iat\":1,\"exp\":2}", // BOM
    ])
    func badPayload(_ payload: String) {
        let r = F.decode(F.event(["code": "\"\(F.code(payload: payload))\""]))
        #expect(r.reason == .badPayload)
        #expect(r.attributed == true)
    }

    @Test func payloadSizeLimit() {
        func payload(pad: Int) -> String {
            #"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"u1","iat":1,"exp":2,"ext":{"p":""# +
                String(repeating: "x", count: pad) + #""}}"#
        }
        let base = payload(pad: 0).utf8.count
        #expect(F.decode(F.event(["code": "\"\(F.code(payload: payload(pad: 1024 - base)))\""])).event != nil)
        #expect(F.decode(F.event(["code": "\"\(F.code(payload: payload(pad: 1025 - base)))\""])).reason == .badPayload)
    }

    @Test func clockAhead() {
        let ahead = F.nowMs + 300_001
        let r = F.decode(F.event(["scanned_at": String(ahead)]))
        #expect(r.reason == .clockAhead)
        #expect(r.attributed == false)
        #expect(F.decode(F.event(["scanned_at": String(F.nowMs + 300_000)])).event != nil)
        // A clock-ahead event that fails an earlier rule keeps that reason but is still unattributed.
        let r2 = F.decode(F.event(["scanned_at": String(ahead), "detail": "{}"]))
        #expect(r2.reason == .badDetail)
        #expect(r2.attributed == false)
    }

    @Test func largeDocumentsUseTheSecondTape() {
        // More values than the 1 KiB first tape holds.
        let big = "[" + (0..<300).map(String.init).joined(separator: ",") + "]"
        #expect(F.decode(F.event(["x": big])).event != nil)
        #expect(F.decode(F.event(["x": big, "y": "{\"a\":1,\"a\":2}"])).reason == .duplicateKey)
        #expect(F.decode(F.event(["x": big, "y": "01"])).reason == .badJSON)
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(F.decode(F.event(["x": big, "y": deep])).reason == .tooDeep)
        // Depth wins over an earlier syntax error or duplicate key.
        #expect(F.decode(F.event(["a": "01", "y": deep])).reason == .tooDeep)
        #expect(F.decode(F.event(["v": "1", "y": deep]).replacingOccurrences(of: "\"y\"", with: "\"v\"")).reason == .tooDeep)
    }

    @Test func unknownFieldsIgnoredAndEscapedKeysMatch() throws {
        // `\u0076` is "v": a value whose `v` key is written escaped decodes.
        let text = F.event().replacingOccurrences(of: "{\"v\":1", with: "{\"\\u0076\":1")
        #expect(F.decode(text).event != nil)
        #expect(F.decode(F.event(["extra": #"{"a":[1,2,{"b":null}],"c":true}"#])).event != nil)
    }

    @Test func attributionCarriesCell() throws {
        let r = F.decode(F.event(["scenario": #""hospital""#, "district": #""500192""#, "v": "3"]))
        guard case .malformed(.badValue, let a?) = r else { Issue.record("\(r)"); return }
        #expect(a.scenario == ReferenceData.embedded.scenarioIndex("hospital"))
        #expect(a.district == 40)
        #expect(a.scannedAtMs == F.scannedAt)
    }
}
