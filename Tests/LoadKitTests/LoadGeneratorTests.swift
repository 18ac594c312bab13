import Aggregates
import Crypto
import Foundation
import Testing
@testable import LoadKit
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import StreamProcTesting

/// Checks generated events against the spec (v1 §2, §3, §6) with a checker written
/// independently of the generator, and against the corpus's layout.
@Suite("LoadGenerator")
struct LoadGeneratorTests {
    static let start: Int64 = 1_795_219_140_000  // 2026-11-19 10:39 UTC, like the corpus

    // MARK: independent spec checker

    /// Spec §6: required fields per scenario: name → kind ("s" string, "i" integer ≥ 0,
    /// "i1" integer ≥ 1, or an enum list); optional fields likewise.
    static let detailRules: [String: (req: [String: [String]], opt: [String: [String]])] = [
        "internet_cafe": (["venue_id": ["s"]], ["seat": ["s"]]),
        "hotel_checkin": (["hotel_id": ["s"], "guests": ["i1"]], ["room": ["s"]]),
        "cultural_venue": (["venue_id": ["s"], "action": ["reserve", "enter"]], [:]),
        "transit": (["mode": ["metro", "bus", "rail", "ferry"], "line": ["s"], "station": ["s"], "direction": ["in", "out"]], ["fare_fen": ["i"]]),
        "payment": (["merchant_id": ["s"], "amount_fen": ["i"]], ["channel": ["ecny", "bank", "voucher"]]),
        "bank": (["bank_code": ["s"], "service": ["queue", "authorize"]], ["branch_id": ["s"]]),
        "housing_fund": (["action": ["balance", "withdrawal_status", "loan_certificate"]], [:]),
        "park_access": (["park_id": ["s"], "direction": ["in", "out"]], ["gate": ["s"]]),
        "pharmacy": (["pharmacy_id": ["s"], "amount_fen": ["i"]], ["insurance_fen": ["i"]]),
        "scenic_entry": (["scenic_id": ["s"], "ticket": ["annual_pass", "single"]], [:]),
        "agri_policy": (["policy_id": ["s"], "action": ["view", "apply"]], [:]),
        "community_access": (["community_id": ["s"], "direction": ["in", "out"]], ["gate": ["s"]]),
        "nontax_payment": (["item_code": ["s"], "amount_fen": ["i"]], [:]),
        "subsidy": (["program_id": ["s"], "action": ["apply", "disburse"]], ["amount_fen": ["i"]]),
        "campus": (["school_id": ["s"], "facility": ["gate", "library"]], [:]),
        "service_hall": (["hall_id": ["s"], "action": ["ticket", "kiosk_login", "license_fetch"]], [:]),
        "utilities": (["utility": ["water", "power", "gas"], "action": ["query", "pay"]], ["amount_fen": ["i"]]),
        "traffic_fine": (["decision_no": ["s"], "amount_fen": ["i"]], [:]),
        "tax": (["tax_type": ["s"], "amount_fen": ["i"]], [:]),
        "hospital": (["hospital_id": ["s"], "action": ["register", "checkin", "queue", "exam", "pharmacy", "report", "admission", "records", "settlement"]], ["dept": ["s"]]),
    ]

    static func fieldOK(_ v: Any, _ rule: [String]) -> Bool {
        if rule == ["s"] { return (v as? String).map { !$0.isEmpty && $0.count <= 64 } ?? false }
        if rule == ["i"] || rule == ["i1"] {
            guard !(v is String), let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded() else { return false }
            return n.int64Value >= (rule == ["i1"] ? 1 : 0)
        }
        return (v as? String).map { rule.contains($0) } ?? false
    }

    static func detailOK(_ scenario: String, _ d: [String: Any]) -> Bool {
        guard let r = detailRules[scenario] else { return false }
        for (k, rule) in r.req { guard let v = d[k], fieldOK(v, rule) else { return false } }
        for (k, rule) in r.opt { if let v = d[k], !fieldOK(v, rule) { return false } }
        return true
    }

    static let districts = Set(LoadScenarioModel().districts)

    static func b64url(_ s: Substring) -> [UInt8]? {
        guard s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }),
              s.count % 4 != 1 else { return nil }
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t).map(Array.init)
    }

    struct Registry {
        var entries: [String: [String: String]] = [:]  // "iss/kid" → entry
        init(_ json: [UInt8]) throws {
            let obj = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]
            for e in obj?["keys"] as? [[String: String]] ?? [] { entries["\(e["iss"] ?? "")/\(e["kid"] ?? "")"] = e }
        }
    }

    static func verify(_ entry: [String: String], message: [UInt8], signature: [UInt8]) -> Bool {
        guard let pub = Hex.decode(entry["public_key"] ?? "") else { return false }
        switch entry["alg"] {
        case "SM2":
            return TestSigner.verifySM2(message: message, signature: signature, publicKey: pub,
                                        distid: entry["distid"] ?? "1234567812345678")
        case "ES256":
            guard let k = try? P256.Signing.PublicKey(x963Representation: pub),
                  let s = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return k.isValidSignature(s, for: message)
        case "Ed25519":
            guard let k = try? Curve25519.Signing.PublicKey(rawRepresentation: pub) else { return false }
            return k.isValidSignature(signature, for: message)
        default: return false
        }
    }

    enum Outcome: Equatable { case malformed(String), verdict(Verdict), signatureOK }

    /// A small reference classifier for generated events (no duplicate tracking).
    static func classify(_ value: [UInt8], _ reg: Registry) -> Outcome {
        guard let o = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else { return .malformed("json") }
        guard (o["v"] as? NSNumber)?.intValue == 1, !(o["v"] is String) else { return .malformed("v") }
        guard let id = o["event_id"] as? String, (1...64).contains(id.count),
              id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D || $0 == 0x5F })
        else { return .malformed("event_id") }
        guard let sc = o["scenario"] as? String, detailRules[sc] != nil else { return .malformed("scenario") }
        guard let di = o["district"] as? String, districts.contains(di) else { return .malformed("district") }
        guard let t = o["terminal_id"] as? String, (1...64).contains(t.count) else { return .malformed("terminal_id") }
        guard let at = o["scanned_at"] as? NSNumber, !(o["scanned_at"] is String) else { return .malformed("scanned_at") }
        guard let m = o["mode"] as? String, m == "scan" || m == "show" else { return .malformed("mode") }
        guard let d = o["detail"] as? [String: Any], detailOK(sc, d) else { return .malformed("detail") }
        guard let code = o["code"] as? String else { return .malformed("code") }
        let parts = code.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "YKM1", let payload = b64url(parts[1]), let sig = b64url(parts[2])
        else { return .malformed("code form") }
        guard let p = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let iss = p["iss"] as? String, let kid = p["kid"] as? String, p["typ"] is String, p["sub"] is String,
              let iat = (p["iat"] as? NSNumber)?.int64Value, let exp = (p["exp"] as? NSNumber)?.int64Value,
              !(p["exp"] is String), exp > iat
        else { return .malformed("payload") }
        if at.int64Value > Int64(Date().timeIntervalSince1970 * 1000) + 300_000 { return .malformed("clock_ahead") }
        guard let entry = reg.entries["\(iss)/\(kid)"] else { return .verdict(.unknownKey) }
        if entry["alg"] == "Ed25519" ? sig.count != 64 : !strictDER(sig) { return .malformed("signature form") }
        if entry["status"] == "revoked" { return .verdict(.revokedKey) }
        guard verify(entry, message: payload, signature: sig) else { return .verdict(.invalidSignature) }
        let ms = at.int64Value
        if ms < (iat - 30) * 1000 { return .verdict(.notYetValid) }
        if ms > (exp + 30) * 1000 { return .verdict(.expired) }
        return .signatureOK
    }

    static func strictDER(_ s: [UInt8]) -> Bool {
        guard s.count >= 8, s[0] == 0x30, Int(s[1]) == s.count - 2, s[2] == 0x02 else { return false }
        let rl = Int(s[3]); guard 4 + rl + 2 <= s.count, s[4 + rl] == 0x02 else { return false }
        let sl = Int(s[5 + rl]); return 6 + rl + sl == s.count
    }

    // MARK: tests

    func makeEvents(seed: UInt64, count: Int) async throws -> (LoadGenerator, [GeneratedEvent]) {
        var g = try LoadGenerator(WorkloadConfiguration(events: count, seed: seed, startMs: Self.start))
        let first = await g.generate(count: count / 2)
        let second = await g.generate(count: count - count / 2)
        return (g, first + second)
    }

    /// `bench generate`'s default start and the exactly-once fixtures rely on this: a workload
    /// started at `startMs(events:ratePerSecond:endingAtMs:)` ends near the given time at night
    /// (the diurnal curve far below 1, where `events / rate` would end far too late) as by day.
    @Test("startMs(events:ratePerSecond:endingAtMs:) makes a workload end near the given time, night and day",
          arguments: [Int64(1_796_227_200_000),  // 2026-12-02 16:00 UTC = 00:00 in Chongqing
                      Int64(1_796_185_800_000)]) // 2026-12-02 04:30 UTC = 12:30 in Chongqing
    func startForAnEnd(endMs: Int64) async throws {
        let events = 1_000, rate = 50.0
        let start = LoadGenerator.startMs(events: events, ratePerSecond: rate, endingAtMs: endMs)
        let naiveSpanMs = Int64(Double(events) / rate * 1000)
        var g = try LoadGenerator(WorkloadConfiguration(events: events, seed: 9, invalidShare: 0, duplicateShare: 0,
                                                        disorderMs: 0, startMs: start, ratePerSecond: rate))
        let last = try #require(await g.generate(count: events).map(\.scannedAtMs).max())
        let span = endMs - start
        #expect(abs(last - endMs) < span / 8, "last event \(last - endMs) ms from the end of a \(span) ms span")
        if endMs == 1_796_227_200_000 {
            #expect(span > 2 * naiveSpanMs, "at night the rate is a fraction of the mean: span \(span) ms")
        }
    }

    @Test("Every event gets the verdict its kind intends (reference checker, 6000 events)")
    func intendedVerdicts() async throws {
        let (g, events) = try await makeEvents(seed: 42, count: 6000)
        let reg = try Registry(g.registryJSON())
        var seenValid = Set<[UInt8]>()
        var kinds: [LoadEventKind: Int] = [:]
        for e in events {
            kinds[e.kind, default: 0] += 1
            let outcome = Self.classify(e.value, reg)
            switch e.kind.verdict {
            case .valid:
                #expect(outcome == .signatureOK, "\(String(decoding: e.value, as: UTF8.self))")
                #expect(!e.value.contains(0x20), "compact JSON")
                seenValid.insert(e.value)
            case .duplicate:
                #expect(seenValid.contains(e.value), "resend of an earlier valid event")
            case .malformed:
                if case .malformed = outcome {} else { Issue.record("\(e.kind) classified \(outcome): \(String(decoding: e.value, as: UTF8.self))") }
            default:
                #expect(outcome == .verdict(e.verdict), "\(e.kind): \(String(decoding: e.value, as: UTF8.self))")
            }
            if e.attributed, e.verdict != .duplicate {
                let o = try? JSONSerialization.jsonObject(with: Data(e.value)) as? [String: Any]
                #expect(Self.detailRules[o?["scenario"] as? String ?? ""] != nil)
                #expect(o?["scanned_at"] is NSNumber && !(o?["scanned_at"] is String))
            }
            #expect(e.key == Array(((try? JSONSerialization.jsonObject(with: Data(e.value)) as? [String: Any])?["district"] as? String ?? String(decoding: e.key, as: UTF8.self)).utf8))
        }
        for k in LoadEventKind.allCases { #expect((kinds[k] ?? 0) > 0, "kind \(k) present") }
        let valid = Double(kinds[.valid] ?? 0) / Double(events.count)
        #expect(valid > 0.90 && valid < 0.93)
    }

    @Test("Field order, code shape and payload order match the corpus")
    func corpusLayout() async throws {
        let corpusLine = try #require(SharedFixtures.lines("corpus/v1/events.jsonl").first)
        func keyOrder(_ s: String, _ keys: [String]) -> [String] {
            keys.compactMap { k in s.range(of: "\"\(k)\":").map { (k, $0.lowerBound) } }.sorted { $0.1 < $1.1 }.map(\.0)
        }
        let top = ["v", "event_id", "scenario", "district", "terminal_id", "scanned_at", "mode", "code", "detail"]
        let corpusOrder = keyOrder(String(decoding: corpusLine, as: UTF8.self), top)
        let (_, events) = try await makeEvents(seed: 9, count: 300)
        let e = try #require(events.first { $0.kind == .valid })
        let s = String(decoding: e.value, as: UTF8.self)
        #expect(keyOrder(s, top) == corpusOrder)
        #expect(s.hasPrefix("{\"v\":1,\"event_id\":\""))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(e.value)) as? [String: Any])
        let code = try #require(o["code"] as? String)
        #expect(!code.contains("="))
        let payload = try #require(Self.b64url(code.split(separator: ".")[1]))
        let ps = String(decoding: payload, as: UTF8.self)
        #expect(keyOrder(ps, ["iss", "kid", "typ", "sub", "iat", "exp"]) == ["iss", "kid", "typ", "sub", "iat", "exp"])
        let p = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
        #expect((p["exp"] as? Int ?? 0) - (p["iat"] as? Int ?? 0) == 60)
        #expect(((p["sub"] as? String) ?? "").count == 13)
    }

    @Test("Scenario, district and algorithm shares; all 20 scenarios present")
    func shares() async throws {
        let (g, events) = try await makeEvents(seed: 1, count: 8000)
        var sc: [String: Int] = [:], alg: [String: Int] = [:]
        let reg = try Registry(g.registryJSON())
        var n = 0
        for e in events where e.kind == .valid {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(e.value)) as? [String: Any])
            sc[o["scenario"] as? String ?? "", default: 0] += 1
            let payload = try #require(Self.b64url((o["code"] as? String ?? "").split(separator: ".")[1]))
            let p = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
            alg[reg.entries["\(p["iss"] ?? "")/\(p["kid"] ?? "")"]?["alg"] ?? "?", default: 0] += 1
            n += 1
        }
        #expect(Set(sc.keys) == Set(Self.detailRules.keys))
        let transit = Double(sc["transit"] ?? 0) / Double(n)
        #expect(transit > 0.37 && transit < 0.43)
        let sm2 = Double(alg["SM2"] ?? 0) / Double(n)
        #expect(sm2 > 0.77 && sm2 < 0.83)
        #expect(alg["?"] == nil)
        let ids = events.filter { $0.kind == .valid }.map { $0.value }
        #expect(Set(ids).count == ids.count)
    }

    @Test("Same seed: same registry and same events apart from signatures")
    func reproducible() async throws {
        let (g1, a) = try await makeEvents(seed: 77, count: 500)
        let (g2, b) = try await makeEvents(seed: 77, count: 500)
        let (g3, _) = try await makeEvents(seed: 78, count: 10)
        #expect(g1.registryJSON() == g2.registryJSON())
        #expect(g1.registryJSON() != g3.registryJSON())
        func strip(_ v: [UInt8]) -> String {
            let s = String(decoding: v, as: UTF8.self)
            guard let r = s.range(of: #"\.[A-Za-z0-9_-]{40,}""#, options: .regularExpression) else { return s }
            return s.replacingCharacters(in: r, with: ".SIG\"")
        }
        #expect(a.count == b.count)
        #expect(zip(a, b).allSatisfy { strip($0.value) == strip($1.value) && $0.kind == $1.kind })
    }

    @Test("Registry lists the five registered keys, not the unregistered ones; private file holds all")
    func registry() throws {
        let g = try LoadGenerator(WorkloadConfiguration(seed: 5, startMs: Self.start))
        let reg = try Registry(g.registryJSON())
        #expect(Set(reg.entries.keys) == ["CQ-YKM/ykm-gen-a", "CQ-YKM/ykm-gen-b", "CQ-YKM/ykm-gen-x", "SC-GOV/sc-gen-1", "GZ-GOV/gz-gen-1"])
        #expect(reg.entries["CQ-YKM/ykm-gen-x"]?["status"] == "revoked")
        #expect(reg.entries["CQ-YKM/ykm-gen-b"]?["distid"] == "CQ-YKM-GEN-B@cq.gov.cn")
        #expect(reg.entries["CQ-YKM/ykm-gen-a"]?["public_key"]?.count == 130)
        #expect(reg.entries["GZ-GOV/gz-gen-1"]?["public_key"]?.count == 64)
        #expect(!String(decoding: g.registryJSON(), as: UTF8.self).contains("private"))
        let priv = String(decoding: g.keyRing.signingKeysJSON(), as: UTF8.self)
        #expect(priv.contains("\"private_key\"") && priv.contains("XX-NOPE"))
    }

    @Test("Live API: scanned_at within the disorder window before the wall clock; resends copy earlier events")
    func live() throws {
        var g = try LoadGenerator(WorkloadConfiguration(seed: 3, duplicateShare: 0.05, disorderMs: 1500, startMs: 0))
        let reg = try Registry(g.registryJSON())
        var t = Self.start
        var seen = Set<[UInt8]>()
        var dups = 0
        for _ in 0..<400 {
            t += 20
            let e = g.nextEvent(at: t)
            switch e.kind {
            case .clockAhead: #expect(e.scannedAtMs > t + 300_000)
            case .duplicate: #expect(seen.contains(e.value)); dups += 1
            default: #expect(e.scannedAtMs <= t && e.scannedAtMs >= t - 1500)
            }
            if e.kind == .valid { #expect(Self.classify(e.value, reg) == .signatureOK); seen.insert(e.value) }
        }
        #expect(dups > 5)
    }

    @Test("Live API with codeReuse 4: a signed code shows in at most 4 valid events, each judged valid")
    func liveCodeReuse() throws {
        var g = try LoadGenerator(WorkloadConfiguration(seed: 9, invalidShare: 0, duplicateShare: 0, startMs: 0,
                                                        codeReuse: 4))
        let engine = VerdictEngine(registry: try KeyRegistry(json: g.registryJSON()), reference: .embedded)
        var t = Self.start
        var uses: [String: Int] = [:]
        var valid = 0
        for _ in 0..<1_200 {
            t += 50  // 60 s of events: codes must not be shown past their lifetime
            let e = g.nextEvent(at: t)
            #expect(e.kind == .valid)
            let j = engine.judge(e.value, nowMs: t)
            #expect(j.verdict == .valid, "\(j.verdict) \(String(describing: j.reason))")
            if j.verdict == .valid { valid += 1 }
            let text = String(decoding: e.value, as: UTF8.self)
            let code = text.components(separatedBy: "\"code\":\"")[1].components(separatedBy: "\"")[0]
            uses[code, default: 0] += 1
        }
        #expect(valid == 1_200)
        #expect(uses.values.max() == 4)
        // 4 keys of the mix, at most 4 events per code: at least 300 signed codes; reuse cuts signing to under half.
        #expect(uses.count >= 300 && uses.count < 600)
        #expect(throws: WorkloadConfiguration.ConfigurationError.outOfRange("codeReuse")) {
            try WorkloadConfiguration(startMs: 0, codeReuse: 0).validate()
        }
    }

    @Test("Diurnal curve: mean 1 over a day, peak at 08h local far above 03h local")
    func diurnal() {
        let m = LoadScenarioModel()
        let midnightLocal: Int64 = 20_777 * 86_400_000 - 8 * 3_600_000  // 2026-11-19 00:00 +08:00
        let mean = (0..<1440).map { m.diurnalFactor(atMs: midnightLocal + Int64($0) * 60_000) }.reduce(0, +) / 1440
        #expect(abs(mean - 1) < 0.01)
        let peak = m.diurnalFactor(atMs: midnightLocal + 8 * 3_600_000 + 1_800_000)
        let trough = m.diurnalFactor(atMs: midnightLocal + 3 * 3_600_000 + 1_800_000)
        #expect(peak > 10 * trough)
    }

    @Test("Mix parsing and configuration validation")
    func parsing() throws {
        let mix = try LoadAlgorithmMix(parsing: "SM2=0.8,ES256=0.1,Ed25519=0.1")
        #expect(mix == .default)
        let half = try LoadAlgorithmMix(parsing: "sm2=1, ed25519=1")
        #expect(half.share(of: .sm2) == 0.5 && half.share(of: .es256) == 0 && half.share(of: .ed25519) == 0.5)
        #expect(throws: LoadAlgorithmMix.ParseError.badItem("RSA=1")) { try LoadAlgorithmMix(parsing: "RSA=1") }
        #expect(throws: LoadAlgorithmMix.ParseError.badShare("SM2=-1")) { try LoadAlgorithmMix(parsing: "SM2=-1") }
        #expect(throws: LoadAlgorithmMix.ParseError.badItem("SM2=1")) { try LoadAlgorithmMix(parsing: "SM2=1,SM2=1") }
        #expect(throws: WorkloadConfiguration.ConfigurationError.outOfRange("invalidShare")) {
            try WorkloadConfiguration(invalidShare: 1.5, startMs: 0).validate()
        }
        #expect(throws: WorkloadConfiguration.ConfigurationError.outOfRange("runPrefix")) {
            try WorkloadConfiguration(startMs: 0, runPrefix: "a-b").validate()
        }
    }
}
