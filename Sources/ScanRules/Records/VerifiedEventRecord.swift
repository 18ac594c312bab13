/// One record of the verified-events topic (issue 13 item 2): key and value bytes.
///
/// Built by ``VerifiedEventRecordBuilder`` for an event whose final verdict is `valid`
/// (spec v1 §5, after rule 7). The value follows `docs/verified-event.schema.json`.
public struct VerifiedEventRecord: Sendable, Hashable {
    /// The record key: the district code in UTF-8, e.g. `500101` (records of one district
    /// share a partition).
    public let key: [UInt8]
    /// The record value: one JSON object in UTF-8 (no trailing newline) with the members, in
    /// this order, `v` (1), `event_id`, `scenario`, `district`, `terminal_id`, `scanned_at` (ms),
    /// `mode`, `iss`, `kid`, `typ`, `iat` (s), `exp` (s), `detail` (spec v1 §6 wire names),
    /// `verdict_at` (ms), `subject_pseudonym` (64 lowercase hex digits), `pseudonym_key_id`.
    /// Never the raw `sub`, the code or its signature.
    public let value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}
