import Aggregates

/// Spec v1 §5 rule 7 for one input partition: a `valid` event whose
/// `event_id` was already seen on an earlier `valid` event at most the
/// horizon away in event time is a `duplicate`.
///
/// Terminals retry with the same `event_id`, and platforms key records by
/// terminal or district, so retries land on the same partition: the filter is
/// kept per partition, which also makes its answers independent of how many
/// instances share a consumer group. Memory is bounded by the horizon: ids are
/// kept in one-minute buckets of event time, and a bucket is dropped once it
/// lies more than `horizon + retention slack` behind the highest `scanned_at`
/// seen among valid events. (An event older than that is a late event anyway;
/// its duplicate check then only sees the ids still kept.)
public struct DuplicateFilter: Sendable {
    /// The horizon of rule 7, in milliseconds (default 10 min).
    public let horizonMs: Int64
    /// Extra time ids are kept beyond the horizon, in milliseconds; the
    /// pipeline uses the allowed lateness (2 min) so that every event that is
    /// not late is checked against every id it could repeat.
    public let slackMs: Int64

    private var lastSeen: [String: Int64] = [:]
    private var buckets: [Int64: [String]] = [:]
    private var oldestBucket: Int64 = .max
    private var highestMs: Int64 = .min

    /// - Parameters:
    ///   - horizonMs: rule 7's horizon in milliseconds.
    ///   - slackMs: how much longer ids are kept, in milliseconds.
    public init(horizonMs: Int64 = 600_000, slackMs: Int64 = 120_000) {
        self.horizonMs = horizonMs
        self.slackMs = slackMs
    }

    /// Number of ids held: the filter's memory, bounded by rate × (horizon + slack).
    public var count: Int { lastSeen.count }

    /// Applies rule 7 to a judgement in partition order; only `valid`
    /// judgements can change (to `duplicate`), and only they are remembered.
    public mutating func apply(_ judgement: inout Judgement) {
        guard judgement.verdict == .valid, let id = judgement.eventID,
              let at = judgement.attribution?.scannedAtMs else { return }
        if let previous = lastSeen[id], abs(previous &- at) <= horizonMs {
            judgement.verdict = .duplicate
            return
        }
        lastSeen[id] = at
        let bucket = at / 60_000
        buckets[bucket, default: []].append(id)
        oldestBucket = min(oldestBucket, bucket)
        if at > highestMs {
            highestMs = at
            evict()
        }
    }

    private mutating func evict() {
        let cutoffBucket = (highestMs &- horizonMs &- slackMs) / 60_000
        guard oldestBucket < cutoffBucket else { return }
        for b in buckets.keys where b < cutoffBucket {
            for id in buckets.removeValue(forKey: b) ?? [] {
                // The id may have been seen again later in a newer bucket.
                if let t = lastSeen[id], t / 60_000 == b { lastSeen.removeValue(forKey: id) }
            }
        }
        oldestBucket = buckets.keys.min() ?? .max
    }
}
