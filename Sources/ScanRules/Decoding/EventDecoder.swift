import Aggregates
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one Kafka record value into a ``ScanEvent`` or a `malformed`
/// verdict (spec v1 §1–§3, §5 rule 1, §6). Signatures are neither verified
/// nor checked for their DER/raw form here (that depends on the key's
/// algorithm: `bad_signature_encoding` is decided by the verifier).
///
/// Order of checks (the first failure is the reason):
/// 1. size > `maxValueBytes` → `too_large`; nesting > `maxDepth` → `too_deep`, with precedence over
///    every parse error (as if a string-aware byte scan ran first; see ``JSONParse`` for the fast path);
/// 2. strict RFC 8259 parse of the whole value → `bad_json` / `duplicate_key` (any object at any depth);
///    a top-level value that is not an object → `bad_json`;
/// 3. the fields of spec §2 in table order (`v`, `event_id`, `scenario`, `district`, `terminal_id`,
///    `scanned_at`, `mode`, `code`, `detail`): absent → `missing_field`, wrong JSON type (including a
///    number with fraction or exponent where an integer is required) → `bad_type`, rule broken
///    (including an integer beyond ±2^53) → `bad_value`; unknown ids → `unknown_scenario` / `unknown_district`;
/// 4. `detail` against its scenario's §6 schema → `bad_detail`;
/// 5. `code` form (§3: `YKM1` tag, 3 parts, strict unpadded base64url) → `bad_code`;
/// 6. payload (≤ 1 KiB, UTF-8 JSON object, `iss`/`kid`/`typ`/`sub`/`iat`/`exp`, `exp > iat`,
///    optional `ext` object) → `bad_payload`, or `duplicate_key` for a key repeated inside the payload;
/// 7. `scanned_at` > `nowMs` + `clockAheadToleranceMs` → `clock_ahead` (§5 lists it last).
///
/// Attribution (§5): a malformed event is attributed when the value parsed as one JSON object
/// without duplicate keys and `scenario`, `district` are known and `scanned_at` is an integer
/// that is not clock-ahead — whatever the reason. A duplicate key inside the *payload* does not
/// prevent attribution: the payload is a separate document inside the `code` string, and the
/// record value itself parsed without duplicate keys.
///
/// Allocation: the parse tape lives in temporary (stack) memory; per event only the decoded
/// payload and signature arrays and strings longer than 15 UTF-8 bytes are allocated.
public struct EventDecoder: Sendable {
    /// The scenario and district tables events are checked against.
    public var reference: ReferenceData { config.reference }
    /// Largest accepted value, in bytes (spec §1: 16 KiB).
    public var maxValueBytes: Int { config.maxValueBytes }
    /// Deepest accepted nesting; the top-level object is level 1 (spec §1: 32).
    public var maxDepth: Int { config.maxDepth }
    /// How far `scanned_at` may be ahead of the wall clock, in **milliseconds** (spec §5: 5 min).
    public var clockAheadToleranceMs: Int64 { config.clockAheadToleranceMs }
    /// Largest accepted decoded payload, in bytes (spec §3: 1 KiB).
    public static let maxPayloadBytes = 1024
    /// Upper bound for a configured `maxDepth` (the parser recurses once per level).
    public static let depthCeiling = 512

    /// Immutable settings behind one reference, so copying the decoder (e.g. into closures) costs one retain.
    private final class Config: Sendable {
        let reference: ReferenceData
        let maxValueBytes: Int
        let maxDepth: Int
        let clockAheadToleranceMs: Int64
        let detailKinds: [DetailKind?]

        init(reference: ReferenceData, maxValueBytes: Int, maxDepth: Int, clockAheadToleranceMs: Int64) {
            self.reference = reference
            // Tape offsets are 32-bit.
            self.maxValueBytes = min(maxValueBytes, Int(Int32.max) - 1)
            self.maxDepth = min(max(maxDepth, 1), EventDecoder.depthCeiling)
            self.clockAheadToleranceMs = clockAheadToleranceMs
            self.detailKinds = reference.scenarios.map { DetailKind(scenarioID: $0.id) }
        }
    }

    private let config: Config

    /// - Parameters:
    ///   - reference: scenario/district tables; a scenario whose id has no §6 schema always yields `bad_detail`.
    ///   - maxValueBytes: size limit in bytes (default 16 KiB, spec §1; capped at 2^31 − 2).
    ///   - maxDepth: nesting limit (default 32, spec §1; clamped to 1...``depthCeiling``).
    ///   - clockAheadToleranceMs: `clock_ahead` tolerance in ms (default 300 000, spec §5).
    public init(reference: ReferenceData, maxValueBytes: Int = 16 * 1024, maxDepth: Int = 32,
                clockAheadToleranceMs: Int64 = 300_000) {
        self.config = Config(reference: reference, maxValueBytes: maxValueBytes, maxDepth: maxDepth,
                             clockAheadToleranceMs: clockAheadToleranceMs)
    }

    /// Decodes one record value.
    /// - Parameters:
    ///   - value: the Kafka record value bytes (only read during the call).
    ///   - nowMs: the processor's wall clock, **milliseconds** since the Unix epoch (for `clock_ahead`).
    public func decode(_ value: UnsafeRawBufferPointer, nowMs: Int64) -> DecodeResult {
        let n = value.count
        if n > maxValueBytes { return .malformed(.tooLarge, attribution: nil) }
        guard n > 0, let raw = value.baseAddress else { return .malformed(.badJSON, attribution: nil) }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        return JSONParse.withDocument(base, n, maxDepth: maxDepth) { parsed in
            switch parsed {
            case .failure(.tooDeep): return .malformed(.tooDeep, attribution: nil)
            case .failure(.syntax): return .malformed(.badJSON, attribution: nil)
            case .failure(.duplicateKey): return .malformed(.duplicateKey, attribution: nil)
            case .success(let doc):
                guard doc[0].kind == .object else { return .malformed(.badJSON, attribution: nil) }
                return validate(doc, nowMs: nowMs)
            }
        }
    }

    /// Convenience for ``decode(_:nowMs:)-(UnsafeRawBufferPointer,_)`` over an array.
    public func decode(_ value: [UInt8], nowMs: Int64) -> DecodeResult {
        value.withUnsafeBytes { decode($0, nowMs: nowMs) }
    }

    // MARK: - Event fields (spec §2)

    private enum Field: Int { case v, eventID, scenario, district, terminalID, scannedAt, mode, code, detail }

    @inline(__always) private static func eq(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        guard b.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for i in 0..<b.count where b[i] != p[i] { return false }
        return true
    }

    private static func field(_ b: UnsafeBufferPointer<UInt8>) -> Field? {
        switch b.count {
        case 1: return eq(b, "v") ? .v : nil
        case 4: return eq(b, "mode") ? .mode : eq(b, "code") ? .code : nil
        case 6: return eq(b, "detail") ? .detail : nil
        case 8: return eq(b, "event_id") ? .eventID : eq(b, "scenario") ? .scenario : eq(b, "district") ? .district : nil
        case 10: return eq(b, "scanned_at") ? .scannedAt : nil
        case 11: return eq(b, "terminal_id") ? .terminalID : nil
        default: return nil
        }
    }

    private func validate(_ doc: JSONDocument, nowMs: Int64) -> DecodeResult {
        var f: (Int, Int, Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1, -1, -1)
        withUnsafeMutableBytes(of: &f) { rawF in
            let slots = rawF.bindMemory(to: Int.self)
            doc.forEachMember(0) { k, v in
                if let which = doc.withUnescaped(k, EventDecoder.field) { slots[which.rawValue] = v }
                return true
            }
        }
        let (fv, fid, fsc, fdi, fterm, fat, fmode, fcode, fdetail) = f

        // Attribution is computed first, from whatever is valid (§5 last paragraph).
        let scenario: Int? = fsc >= 0 && doc[fsc].kind == .string
            ? doc.withUnescaped(fsc) { reference.scenarioIndex($0) } : nil
        let district: Int? = fdi >= 0 && doc[fdi].kind == .string
            ? doc.withUnescaped(fdi) { reference.districtIndex($0) } : nil
        var scannedAt: Int64? = nil
        if fat >= 0, case .value(let x) = doc.integer(fat) { scannedAt = x }
        let limit = nowMs > Int64.max - clockAheadToleranceMs ? Int64.max : nowMs + clockAheadToleranceMs
        let clockAhead = scannedAt.map { $0 > limit } ?? false
        var attribution: Attribution? = nil
        if let scenario, let district, let scannedAt, !clockAhead {
            attribution = Attribution(scenario: scenario, district: district, scannedAtMs: scannedAt)
        }
        func fail(_ r: MalformedReason) -> DecodeResult { .malformed(r, attribution: attribution) }

        // v
        guard fv >= 0 else { return fail(.missingField) }
        switch doc.integer(fv) {
        case .notNumber, .notInteger: return fail(.badType)
        case .outOfRange: return fail(.badValue)
        case .value(let x): if x != 1 { return fail(.badValue) }
        }
        // event_id
        guard fid >= 0 else { return fail(.missingField) }
        guard doc[fid].kind == .string else { return fail(.badType) }
        guard doc.isIDChars(fid, max: 64) else { return fail(.badValue) }
        // scenario, district
        guard fsc >= 0 else { return fail(.missingField) }
        guard doc[fsc].kind == .string else { return fail(.badType) }
        guard let scenario else { return fail(.unknownScenario) }
        guard fdi >= 0 else { return fail(.missingField) }
        guard doc[fdi].kind == .string else { return fail(.badType) }
        guard let district else { return fail(.unknownDistrict) }
        // terminal_id
        guard fterm >= 0 else { return fail(.missingField) }
        guard doc[fterm].kind == .string else { return fail(.badType) }
        guard doc.isPrintableASCII(fterm, max: 64) else { return fail(.badValue) }
        // scanned_at
        guard fat >= 0 else { return fail(.missingField) }
        switch doc.integer(fat) {
        case .notNumber, .notInteger: return fail(.badType)
        case .outOfRange: return fail(.badValue)
        case .value: break
        }
        guard let scannedAt else { return fail(.badValue) }
        // mode
        guard fmode >= 0 else { return fail(.missingField) }
        guard doc[fmode].kind == .string else { return fail(.badType) }
        let mode: ScanMode
        if doc.stringEquals(fmode, "scan") { mode = .scan }
        else if doc.stringEquals(fmode, "show") { mode = .show }
        else { return fail(.badValue) }
        // code, detail: presence and type
        guard fcode >= 0 else { return fail(.missingField) }
        guard doc[fcode].kind == .string else { return fail(.badType) }
        guard fdetail >= 0 else { return fail(.missingField) }
        guard doc[fdetail].kind == .object else { return fail(.badType) }

        // detail (§6)
        guard let kind = config.detailKinds[scenario],
              let detail = kind.decode(DetailReader(doc: doc, object: fdetail)) else { return fail(.badDetail) }

        // code (§3)
        let code: SignedCode
        switch doc.withUnescaped(fcode, { decodeCode($0) }) {
        case .failure(let r): return fail(r.reason)
        case .success(let c): code = c
        }

        // clock_ahead (§5)
        if clockAhead { return fail(.clockAhead) }

        return .event(ScanEvent(eventID: doc.string(fid), scenario: scenario, district: district,
                                terminalID: doc.string(fterm), scannedAtMs: scannedAt, mode: mode,
                                code: code, detail: detail))
    }

    // MARK: - Code (spec §3)

    struct CodeFailure: Error { let reason: MalformedReason }

    /// Splits, base64url-decodes and checks the code text `b` (already unescaped from JSON).
    func decodeCode(_ b: UnsafeBufferPointer<UInt8>) -> Result<SignedCode, CodeFailure> {
        let bad = Result<SignedCode, CodeFailure>.failure(CodeFailure(reason: .badCode))
        guard b.count >= 5, b[0] == UInt8(ascii: "Y"), b[1] == UInt8(ascii: "K"), b[2] == UInt8(ascii: "M"),
              b[3] == UInt8(ascii: "1"), b[4] == UInt8(ascii: ".") else { return bad }
        // The first dot after the tag ends the payload; a further dot lands in the signature
        // part, which base64url then rejects (a fourth part is `bad_code` either way).
        guard let start = b.baseAddress,
              let hit = memchr(start + 5, Int32(UInt8(ascii: ".")), b.count - 5) else { return bad }
        let dot = UnsafeRawPointer(hit) - UnsafeRawPointer(start)
        guard let payload = Base64URL.decode(UnsafeBufferPointer(rebasing: b[5..<dot])),
              let signature = Base64URL.decode(UnsafeBufferPointer(rebasing: b[(dot + 1)...])) else { return bad }
        guard payload.count <= EventDecoder.maxPayloadBytes else {
            return .failure(CodeFailure(reason: .badPayload))
        }
        return payload.withUnsafeBufferPointer { p in
            switch decodeClaims(p) {
            case .failure(let f): return .failure(f)
            case .success(let claims): return .success(SignedCode(payload: payload, signature: signature, claims: claims))
            }
        }
    }

    /// Parses the payload bytes as a JSON object with the claims of §3.
    func decodeClaims(_ p: UnsafeBufferPointer<UInt8>) -> Result<CodeClaims, CodeFailure> {
        let bad = Result<CodeClaims, CodeFailure>.failure(CodeFailure(reason: .badPayload))
        guard let base = p.baseAddress, p.count > 0 else { return bad }
        return JSONParse.withDocument(base, p.count, maxDepth: maxDepth) { parsed in
            switch parsed {
            case .failure(.tooDeep), .failure(.syntax): return bad
            case .failure(.duplicateKey): return .failure(CodeFailure(reason: .duplicateKey))
            case .success(let doc):
                guard doc[0].kind == .object else { return bad }
                // One pass over the members (keys compared after unescaping).
                var iss = -1, kid = -1, typ = -1, sub = -1, iatN = -1, expN = -1, ext = -1
                doc.forEachMember(0) { k, v in
                    doc.withUnescaped(k) { b in
                        guard b.count == 3 else { return }
                        if wireEquals(b, "iss") { iss = v } else if wireEquals(b, "kid") { kid = v }
                        else if wireEquals(b, "typ") { typ = v } else if wireEquals(b, "sub") { sub = v }
                        else if wireEquals(b, "iat") { iatN = v } else if wireEquals(b, "exp") { expN = v }
                        else if wireEquals(b, "ext") { ext = v }
                    }
                    return true
                }
                guard iss >= 0, doc[iss].kind == .string, kid >= 0, doc[kid].kind == .string,
                      typ >= 0, doc[typ].kind == .string, sub >= 0, doc[sub].kind == .string,
                      iatN >= 0, case .value(let iat) = doc.integer(iatN),
                      expN >= 0, case .value(let exp) = doc.integer(expN),
                      exp > iat else { return bad }
                if ext >= 0, doc[ext].kind != .object { return bad }
                let type: CodeType
                if doc.stringEquals(typ, "P") { type = .personal }
                else if doc.stringEquals(typ, "O") { type = .organisation }
                else if doc.stringEquals(typ, "T") { type = .thing }
                else { return bad }
                let subChars = doc.scalarCount(sub)
                guard subChars >= 1 && subChars <= 64 else { return bad }
                return .success(CodeClaims(issuer: doc.string(iss), keyID: doc.string(kid), type: type,
                                           subject: Subject(rawValue: doc.string(sub)),
                                           issuedAt: iat, expiresAt: exp))
            }
        }
    }
}
