import Aggregates

/// Builds ``VerifiedEventRecord``s for `valid` events (issue 13 item 2). Pure and `Sendable`:
/// call it from any thread.
///
/// The verdict engine does not hand decoded events to its caller (``Judgement`` carries only
/// the verdict, attribution and id), so ``record(value:judgement:decoder:verdictAtMs:)``
/// decodes a `valid` record's value again: one decode (a few microseconds, no signature
/// check) per valid event, and only when the verified-events topic is on; the judging path
/// and ``Judgement``'s size are unchanged.
public struct VerifiedEventRecordBuilder: Sendable {
    /// Scenario ids and district codes of the event's indices (the tables the decoder used).
    public let reference: ReferenceData
    /// The key that makes `subject_pseudonym`.
    public let pseudonymKey: PseudonymKey

    /// - Parameters:
    ///   - reference: the reference tables the events were decoded with.
    ///   - pseudonymKey: the pseudonym key (``PseudonymKey``).
    public init(reference: ReferenceData, pseudonymKey: PseudonymKey) {
        self.reference = reference
        self.pseudonymKey = pseudonymKey
    }

    /// The record of a decoded event that got the final verdict `valid`.
    /// - Parameters:
    ///   - event: the decoded event (the caller vouches that it is `valid`).
    ///   - verdictAtMs: the processor's wall clock when it judged the event, ms since the epoch.
    public func record(for event: ScanEvent, verdictAtMs: Int64) -> VerifiedEventRecord {
        let claims = event.code.claims
        let district = reference.districts[event.district].code
        var w = JSONWriter()
        w.beginObject()
        w.field("v", int: 1)
        w.field("event_id", string: event.eventID)
        w.field("scenario", string: reference.scenarios[event.scenario].id)
        w.field("district", string: district)
        w.field("terminal_id", string: event.terminalID)
        w.field("scanned_at", int: event.scannedAtMs)
        w.field("mode", string: event.mode == .scan ? "scan" : "show")
        w.field("iss", string: claims.issuer)
        w.field("kid", string: claims.keyID)
        w.field("typ", string: Self.wireName(claims.type))
        w.field("iat", int: claims.issuedAt)
        w.field("exp", int: claims.expiresAt)
        w.key("detail")
        event.detail.writeJSON(into: &w)
        w.field("verdict_at", int: verdictAtMs)
        w.field("subject_pseudonym", string: pseudonymKey.pseudonym(issuer: claims.issuer, subject: claims.subject))
        w.field("pseudonym_key_id", string: pseudonymKey.keyID)
        w.endObject()
        return VerifiedEventRecord(key: Array(district.utf8), value: w.bytes)
    }

    /// The record of a Kafka record value whose final verdict (after ``DuplicateFilter``) is
    /// `valid`, or nil for any other verdict. Decodes `value` again with `decoder` (the
    /// engine's, ``VerdictEngine/decoder``) at `verdictAtMs`, which must be the `nowMs` the
    /// value was judged with (so `clock_ahead` decides the same).
    /// - Returns: nil when `judgement.verdict != .valid`, or (never for a value judged `valid`
    ///   with the same decoder and clock) when the value no longer decodes.
    public func record(value: UnsafeRawBufferPointer, judgement: Judgement, decoder: EventDecoder,
                       verdictAtMs: Int64) -> VerifiedEventRecord? {
        guard judgement.verdict == .valid else { return nil }
        guard case .event(let event) = decoder.decode(value, nowMs: verdictAtMs) else { return nil }
        return record(for: event, verdictAtMs: verdictAtMs)
    }

    /// ``record(value:judgement:decoder:verdictAtMs:)`` for an array of bytes.
    public func record(value: [UInt8], judgement: Judgement, decoder: EventDecoder,
                       verdictAtMs: Int64) -> VerifiedEventRecord? {
        value.withUnsafeBytes { record(value: $0, judgement: judgement, decoder: decoder, verdictAtMs: verdictAtMs) }
    }

    /// `typ`'s wire letter (spec v1 §3).
    static func wireName(_ type: CodeType) -> String {
        switch type {
        case .personal: "P"
        case .organisation: "O"
        case .thing: "T"
        }
    }
}
