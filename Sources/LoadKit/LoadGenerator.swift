import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation
import Synchronization

/// Produces realistic scan events (spec v1) from a seed: 20 scenarios with transit
/// the largest, districts weighted by population, a diurnal rate curve, 60 s code
/// lifetimes, valid `detail` objects, unique event ids, and a configured share of
/// realistic failures and resends, each with its intended verdict.
///
/// Everything but the signatures is reproducible from ``WorkloadConfiguration/seed``
/// (and start time): SM2 and ECDSA signatures use fresh nonces, so their bytes differ
/// between runs (Ed25519 is deterministic).
///
/// Two ways to use it:
/// - pre-generation: ``generate(count:)`` plans events sequentially and signs them in
///   parallel across cores; event time advances from ``WorkloadConfiguration/startMs``
///   at the diurnal rate around ``WorkloadConfiguration/ratePerSecond``;
/// - live: ``nextEvent(at:)`` makes one event for a given wall-clock time (the caller
///   sets the pace).
public struct LoadGenerator: Sendable {
    /// The configuration it was made with.
    public let configuration: WorkloadConfiguration
    /// The signing keys (private) and the registry (public).
    public let keyRing: LoadKeyRing
    private let model = LoadScenarioModel()
    private var rng: LoadRandom
    private var sequence: Int = 0
    private var clockMs: Double
    private let runPrefix: String
    /// Recent valid events (value, key, scanned_at) that resends copy.
    private var ring: [GeneratedEvent] = []
    private var history: [LoadEventPlan.Source] = []
    private static let ringCapacity = 64
    private let session = SessionBox()
    /// Live generation with ``WorkloadConfiguration/codeReuse`` > 1: per key index, the last
    /// signed code text, its `iat` (s) and how many events showed it.
    private var reusable: [Int: (code: [UInt8], iatS: Int64, uses: Int)] = [:]
    private let kindCumulative: [(LoadEventKind, Double)]
    private let algCumulative: [Double]

    /// A signing session shared by copies of the generator, used by ``nextEvent(at:)``.
    private final class SessionBox: Sendable {
        let signer = Mutex(TestSigner())
    }

    /// Creates a generator and its keys.
    /// - Throws: ``WorkloadConfiguration/ConfigurationError`` when the configuration is out of range.
    public init(_ configuration: WorkloadConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        var keyRng = LoadRandom(seed: configuration.seed ^ 0x6B65_7973_6B65_7973)
        if configuration.deterministicKeys {
            keyRing = LoadKeyRing { keyRng.bytes32() }
        } else {
            var sys = SystemRandomNumberGenerator()
            keyRing = LoadKeyRing { (0..<32).map { _ in UInt8.random(in: 0...255, using: &sys) } }
        }
        rng = LoadRandom(seed: configuration.seed)
        clockMs = Double(configuration.startMs)
        if let p = configuration.runPrefix {
            runPrefix = p
        } else {
            var r = LoadRandom(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(configuration.startMs))
            runPrefix = "L" + LoadGenerator.base36(Int(r.next() % 1_679_616), width: 4)
        }
        // Kind table: valid, duplicate, then the invalid kinds by share.
        var acc = 1 - configuration.invalidShare - configuration.duplicateShare
        var table: [(LoadEventKind, Double)] = [(.valid, acc)]
        acc += configuration.duplicateShare; table.append((.duplicate, acc))
        for (k, s) in LoadEventKind.invalidShares { acc += s * configuration.invalidShare; table.append((k, acc)) }
        kindCumulative = table
        var a = 0.0
        algCumulative = configuration.mix.shares.map { a += $0; return a }
    }

    /// The public key registry (spec v1 §4) for the generated events, as JSON bytes.
    public func registryJSON() -> [UInt8] { keyRing.registryJSON() }

    /// The event-id prefix of this run, e.g. `"L3f9a"`; ids are `<prefix>-<base36 counter, 8 wide>`.
    public var eventIdPrefix: String { runPrefix }

    // MARK: - Live API

    /// One event for wall-clock time `timeMs` (**milliseconds** since the epoch): its
    /// `scanned_at` lies up to ``WorkloadConfiguration/disorderMs`` before `timeMs`.
    /// Signs on the calling thread (SM2: tens of µs).
    public mutating func nextEvent(at timeMs: Int64) -> GeneratedEvent {
        let plan = planNext(nominalMs: timeMs, batchIndex: nil)
        let event: GeneratedEvent
        if case .ring(let i)? = plan.duplicateOf, ring.indices.contains(i) {
            event = GeneratedEvent(value: ring[i].value, key: ring[i].key, kind: .duplicate,
                                   attributed: true, scannedAtMs: ring[i].scannedAtMs)
        } else if plan.kind == .valid, plan.hasCode, let c = reusable[plan.keyIndex], c.uses < configuration.codeReuse,
                  c.iatS <= plan.scannedAtMs / 1000, plan.scannedAtMs / 1000 + 10 <= c.iatS + 60 {
            reusable[plan.keyIndex]?.uses += 1
            event = GeneratedEvent(value: plan.head + c.code + plan.tail, key: plan.recordKey, kind: plan.kind,
                                   attributed: plan.attributed, scannedAtMs: plan.scannedAtMs)
        } else {
            let keys = keyRing.keys
            event = session.signer.withLock { LoadGenerator.assemble(plan, keys: keys, signer: $0) }
            if configuration.codeReuse > 1, plan.kind == .valid, plan.hasCode {
                let code = Array(event.value[plan.head.count..<(event.value.count - plan.tail.count)])
                reusable[plan.keyIndex] = (code, plan.iatS, 1)
            }
        }
        remember([event])
        return event
    }

    // MARK: - Pre-generation

    /// The event time to start at so that `events` events at a mean of `ratePerSecond` end at
    /// about `endMs` (epoch **ms**). The generator follows a diurnal curve around the mean
    /// (``LoadScenarioModel``: at night in Asia/Shanghai a third of it), so `events / rate`
    /// seconds is the span only where the curve is near 1. This integrates the curve backwards
    /// from `endMs` in one-minute steps. The gaps are random (exponential), so the last event
    /// lands within a few √`events` gaps of `endMs`, on either side.
    /// Returns `endMs` itself when `ratePerSecond` is not a positive finite number (which
    /// ``WorkloadConfiguration`` refuses anyway).
    public static func startMs(events: Int, ratePerSecond: Double, endingAtMs endMs: Int64) -> Int64 {
        guard ratePerSecond > 0, ratePerSecond.isFinite else { return endMs }
        let model = LoadScenarioModel()
        var remaining = Double(max(events, 0))
        var t = endMs
        let rate = ratePerSecond
        while remaining > 0 {
            let perMs = rate * model.diurnalFactor(atMs: t - 30_000) / 1000
            let minute = perMs * 60_000
            if minute >= remaining { return t - Int64((remaining / perMs).rounded(.up)) }
            remaining -= minute
            t -= 60_000
        }
        return t
    }

    /// The next `count` events in arrival order, signed in parallel across all cores
    /// (chunks in a task group). Event time continues from the previous call.
    public mutating func generate(count: Int) async -> [GeneratedEvent] {
        guard count > 0 else { return [] }
        var plans: [LoadEventPlan] = []
        plans.reserveCapacity(count)
        for i in 0..<count {
            let gap = rng.exponential(mean: 1000 / (configuration.ratePerSecond * model.diurnalFactor(atMs: Int64(clockMs))))
            clockMs += gap
            plans.append(planNext(nominalMs: Int64(clockMs), batchIndex: i))
        }
        let cores = max(1, activeProcessorCount())
        let chunkSize = max(64, (count + cores * 4 - 1) / (cores * 4))
        let keys = keyRing.keys
        let shared = plans
        var out = [GeneratedEvent?](repeating: nil, count: count)
        await withTaskGroup(of: (Int, [GeneratedEvent]).self) { group in
            var start = 0
            while start < count {
                let range = start..<min(count, start + chunkSize)
                group.addTask {
                    let signer = TestSigner()
                    var events: [GeneratedEvent] = []
                    events.reserveCapacity(range.count)
                    for i in range { events.append(LoadGenerator.assemble(shared[i], keys: keys, signer: signer)) }
                    return (range.lowerBound, events)
                }
                start = range.upperBound
            }
            for await (lower, events) in group {
                for (j, e) in events.enumerated() { out[lower + j] = e }
            }
        }
        var result: [GeneratedEvent] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            guard var e = out[i] else { continue }
            switch plans[i].duplicateOf {
            case .batch(let j)? where j < i:
                if let o = out[j] { e.value = o.value; e.key = o.key; e.scannedAtMs = o.scannedAtMs }
            case .ring(let j)? where ring.indices.contains(j):
                e.value = ring[j].value; e.key = ring[j].key; e.scannedAtMs = ring[j].scannedAtMs
            default: break
            }
            out[i] = e
            result.append(e)
        }
        history = ring.indices.map { .ring($0) }
        remember(result)
        return result
    }

    /// Keeps the last valid events for resends and resets the resend sources to them.
    private mutating func remember(_ events: [GeneratedEvent]) {
        let valid = events.lazy.filter { $0.kind == .valid }.suffix(Self.ringCapacity)
        if !valid.isEmpty {
            ring.append(contentsOf: valid)
            if ring.count > Self.ringCapacity { ring.removeFirst(ring.count - Self.ringCapacity) }
            history = ring.indices.map { .ring($0) }
        }
    }

    private func activeProcessorCount() -> Int {
        ProcessInfo.processInfo.activeProcessorCount
    }

    // MARK: - Planning (sequential, seeded)

    private mutating func drawKind() -> LoadEventKind {
        let x = rng.unit()
        for (k, c) in kindCumulative where x < c { return k }
        return .valid
    }

    static func base36(_ value: Int, width: Int) -> String {
        let s = String(value, radix: 36)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private mutating func planNext(nominalMs: Int64, batchIndex: Int?) -> LoadEventPlan {
        let seq = sequence
        sequence += 1
        var kind = drawKind()
        var plan = LoadEventPlan(kind: kind)
        if kind == .duplicate {
            if history.isEmpty {
                kind = .valid; plan.kind = .valid
            } else {
                let window = min(history.count, Self.ringCapacity)
                plan.duplicateOf = history[history.count - window + rng.below(window)]
                return plan
            }
        }
        if kind == .valid, let b = batchIndex {
            history.append(.batch(b))
            if history.count > 4 * Self.ringCapacity { history.removeFirst(history.count - Self.ringCapacity) }
        }
        let variant = rng.below(6)
        plan.variant = variant

        // Scenario, district, time.
        let sIndex = model.drawScenario(&rng)
        let scenarioID = kind == .unknownScenario
            ? ["casino", "lottery", "Transit", "parking"][variant % 4] : LoadScenarioModel.scenarios[sIndex].id
        let homeDistrict = model.drawDistrict(&rng)
        let district = kind == .unknownDistrict ? ["500199", "50010", "500300", "chongqing"][variant % 4] : homeDistrict
        var scannedAt = nominalMs - Int64(rng.int(0...Int(configuration.disorderMs)))
        if kind == .clockAhead { scannedAt = 4_102_444_800_000 + Int64(rng.below(86_400_000 * 300)) }
        let scannedS = scannedAt / 1000
        let show = rng.chance(LoadScenarioModel.scenarios[sIndex].show)
        let terminal = "T-" + homeDistrict + "-" + LoadGenerator.pad(rng.below(100_000), 5)

        // Key and code lifetime.
        switch kind {
        case .unknownKey: plan.keyIndex = variant % 2 == 0 ? keyRing.unknownSM2 : keyRing.unknownEd25519
        case .revokedKey: plan.keyIndex = keyRing.sm2Revoked
        case .badSignatureEncoding: plan.keyIndex = [keyRing.sm2Default, keyRing.sm2Distid, keyRing.es256, keyRing.ed25519][variant % 4]
        default:
            let x = rng.unit()
            if x < algCumulative[0] {
                plan.keyIndex = rng.chance(0.6) ? keyRing.sm2Default : keyRing.sm2Distid
            } else if x < algCumulative[1] {
                plan.keyIndex = keyRing.es256
            } else {
                plan.keyIndex = keyRing.ed25519
            }
        }
        var iat: Int64
        switch kind {
        case .expired: iat = scannedS - 60 - 32 - Int64(rng.int(0...600))
        case .notYetValid: iat = scannedS + 32 + Int64(rng.int(0...300))
        default: iat = scannedS - Int64(rng.int(-3...50))
        }
        plan.iatS = iat
        let key = keyRing.keys[plan.keyIndex]
        let typ = show ? "T" : (rng.chance(0.07) ? "O" : "P")
        // Subjects repeat (commuters scan in and out): a pseudonym from a population of 3 million.
        let sub = "u" + LoadGenerator.hex12(LoadGenerator.mix(UInt64(rng.below(3_000_000)) &+ configuration.seed &* 0x2545_F491_4F6C_DD1D))

        // Payload (spec §3): {"iss","kid","typ","sub","iat","exp"}.
        var p: [UInt8] = []
        p.reserveCapacity(120)
        if kind == .badPayload && variant % 3 == 0 {
            p += Array("iss=\(key.iss);kid=\(key.kid)".utf8)
        } else {
            p += Array("{\"iss\":\"\(key.iss)\",\"kid\":\"\(key.kid)\",\"typ\":\"\(typ)\",\"sub\":\"".utf8)
            plan.subOffset = p.count + 1
            p += Array(sub.utf8)
            p += Array("\",\"iat\":\(iat)".utf8)
            if kind == .badPayload && variant % 3 == 1 {
                // exp missing
            } else if kind == .badPayload {
                p += Array(",\"exp\":\"\(iat + 60)\"".utf8)
            } else {
                p += Array(",\"exp\":\(iat + 60)".utf8)
            }
            p.append(UInt8(ascii: "}"))
        }
        plan.payload = p

        // Event (spec §2), field order as in the corpus.
        let eventID: String
        if kind == .badValue && variant % 5 == 2 { eventID = "" }
        else if kind == .badValue && variant % 5 == 3 { eventID = runPrefix + ";" + LoadGenerator.base36(seq, width: 8) }
        else { eventID = runPrefix + "-" + LoadGenerator.base36(seq, width: 8) }
        var (detail, required) = model.detail(scenario: sIndex, &rng)
        if kind == .badDetail { LoadGenerator.breakDetail(&detail, required: required, variant: variant) }

        let missing = kind == .missingField ? ["event_id", "terminal_id", "mode", "code", "detail", "v"][variant] : ""
        var h: [UInt8] = [UInt8(ascii: "{")]
        func field(_ name: String, _ raw: String) {
            guard name != missing else { return }
            if h.count > 1 { h.append(UInt8(ascii: ",")) }
            h += Array("\"\(name)\":\(raw)".utf8)
        }
        if kind == .badType && variant % 2 == 1 { field("v", "\"1\"") }
        else { field("v", kind == .badValue && variant % 5 == 0 ? "2" : "1") }
        field("event_id", "\"\(eventID)\"")
        field("scenario", "\"\(scenarioID)\"")
        field("district", "\"\(district)\"")
        field("terminal_id", kind == .badValue && variant % 5 == 4 ? "\"\"" : "\"\(terminal)\"")
        field("scanned_at", kind == .badType && variant % 2 == 0 ? "\"\(scannedAt)\"" : "\(scannedAt)")
        field("mode", kind == .badValue && variant % 5 == 1 ? "\"wave\"" : (show ? "\"show\"" : "\"scan\""))
        var detailJSON = "{"
        for (i, (k, v)) in detail.enumerated() {
            if i > 0 { detailJSON += "," }
            switch v {
            case .string(let s): detailJSON += "\"\(k)\":\"\(s)\""
            case .int(let n): detailJSON += "\"\(k)\":\(n)"
            }
        }
        detailJSON += "}"
        if missing == "code" {
            plan.hasCode = false
            field("detail", detailJSON)
            h.append(UInt8(ascii: "}"))
            plan.head = h
        } else {
            field("code", "\"")
            plan.head = h
            var t: [UInt8] = [UInt8(ascii: "\"")]
            if missing != "detail" { t += Array(",\"detail\":\(detailJSON)".utf8) }
            t.append(UInt8(ascii: "}"))
            plan.tail = t
        }
        plan.kind = kind
        plan.recordKey = Array(district.utf8)
        plan.scannedAtMs = scannedAt
        plan.cutFraction = 0.2 + 0.6 * rng.unit()
        plan.attributed = !(kind == .badJSON || kind == .unknownScenario || kind == .unknownDistrict
                            || kind == .clockAhead || (kind == .badType && variant % 2 == 0))
        return plan
    }

    /// Makes `detail` break spec §6: even variants drop the first required field,
    /// odd variants give it a wrong value (an unknown enum word, a number for a
    /// string, a string for an integer).
    static func breakDetail(_ detail: inout [(String, LoadScenarioModel.Value)], required: Int, variant: Int) {
        guard required > 0, !detail.isEmpty else { return }
        if variant % 2 == 0 { detail.removeFirst(); return }
        // Prefer an enum-valued required field.
        let enums: Set<String> = ["action", "direction", "mode", "service", "ticket", "facility", "utility"]
        let i = (0..<required).first { enums.contains(detail[$0].0) } ?? 0
        switch detail[i].1 {
        case .string: detail[i].1 = enums.contains(detail[i].0) ? .string("teleport") : .int(42)
        case .int(let n): detail[i].1 = .string(String(n))
        }
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// A 64-bit mixing function (SplitMix64's finaliser): spreads subject indexes over pseudonyms.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func hex12(_ x: UInt64) -> String {
        let s = String(x & 0xFFFF_FFFF_FFFF, radix: 16)
        return String(repeating: "0", count: 12 - s.count) + s
    }

    // MARK: - Assembly (parallel)

    /// Signs a plan's payload and builds the record value, applying the code-level defects.
    static func assemble(_ plan: LoadEventPlan, keys: [TestSigningKey], signer: TestSigner) -> GeneratedEvent {
        var value = plan.head
        if plan.hasCode, plan.duplicateOf == nil, keys.indices.contains(plan.keyIndex) {
            let key = keys[plan.keyIndex]
            var sig = signer.sign(plan.payload, with: key) ?? []
            var shown = plan.payload
            switch plan.kind {
            case .tamperedPayload:
                let i = plan.subOffset + plan.variant % 12
                if shown.indices.contains(i) { shown[i] = shown[i] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0") }
            case .tamperedSignature:
                if let i = flipIndex(sig, alg: key.alg) { sig[i] ^= 0x01 << UInt8(plan.variant % 8) }
            case .badSignatureEncoding:
                if key.alg == .ed25519 { sig.removeLast() } else { sig.append(0x00) }
            default: break
            }
            var tag: [UInt8] = Array("YKM1".utf8), sep1 = UInt8(ascii: "."), padding: [UInt8] = []
            if plan.kind == .badCode {
                switch plan.variant % 4 {
                case 0: tag = Array("YKM2".utf8)
                case 1: tag = Array("ykm1".utf8)
                case 2: sep1 = UInt8(ascii: ":")
                default: padding = [UInt8(ascii: "=")]
                }
            }
            value += tag
            value.append(sep1)
            Base64URL.encode(shown, into: &value)
            value += padding
            value.append(UInt8(ascii: "."))
            Base64URL.encode(sig, into: &value)
        }
        value += plan.tail
        if plan.kind == .badJSON {
            // Cut inside the part before the code, so the bytes do not depend on the
            // (randomized) signature length.
            let cut = max(1, min(plan.head.count - 1, Int(Double(plan.head.count) * plan.cutFraction)))
            value.removeLast(value.count - cut)
        }
        return GeneratedEvent(value: value, key: plan.recordKey, kind: plan.kind,
                              attributed: plan.attributed, scannedAtMs: plan.scannedAtMs)
    }

    /// A byte inside r (DER: past r's first two content bytes, so the INTEGER stays
    /// minimal) or inside R (Ed25519), whose flip keeps the encoding well-formed.
    static func flipIndex(_ sig: [UInt8], alg: SignatureAlgorithm) -> Int? {
        if alg == .ed25519 { return sig.count == 64 ? 10 : nil }
        // 30 L 02 rlen r… 02 slen s…
        guard sig.count > 8, sig[0] == 0x30, sig[2] == 0x02 else { return nil }
        let rlen = Int(sig[3])
        guard rlen >= 8, 4 + rlen <= sig.count else { return nil }
        return 4 + rlen / 2
    }
}
