/// Everything one partition produced since its previous commit, written atomically with the
/// input offset by ``StateStore/commit(_:)``.
public struct PartitionCommit: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// The epoch returned by the claim; a commit with an older epoch is fenced.
    public var epoch: Int64
    /// The partition's sequence before this commit: the claim's ``PartitionClaim/sequence`` or the
    /// previous ``PartitionCommitOutcome/committed(sequence:)``. Makes a retried commit idempotent.
    public var expectedSequence: Int64
    /// The next Kafka offset to consume (last processed offset + 1).
    public var nextOffset: Int64
    /// Serialized open windows and whatever else the processor needs to resume (opaque).
    public var openState: [UInt8]
    /// On-time counts of windows closed by this batch (minute windows). Added to `counts_1m.count`
    /// and to the enclosing hour's `counts_1h.count`. Several rows of one cell are summed.
    public var closedCounts: [StoredCount]
    /// Late corrections of closed windows: added to `late` of the minute and hour rows
    /// (the row is created with `count` 0 if the cell had no on-time events).
    public var lateIncrements: [StoredCount]
    /// Reason → events not attributed to any cell, added to the partition's lifetime counts.
    public var unattributedIncrements: [String: Int64]
    /// Ids the duplicate filter accepted or re-timed in this batch, each (`hi`, `lo`) at most
    /// once; an id already stored takes the new time (the filter's latest entry wins).
    public var newDuplicateIDs: [StoredDuplicateID]
    /// If set, stored ids of this partition with `scannedAtMs` < this value are deleted.
    public var pruneDuplicatesBeforeMs: Int64?

    public init(topic: String, partition: Int32, epoch: Int64, expectedSequence: Int64, nextOffset: Int64,
                openState: [UInt8], closedCounts: [StoredCount] = [], lateIncrements: [StoredCount] = [],
                unattributedIncrements: [String: Int64] = [:], newDuplicateIDs: [StoredDuplicateID] = [],
                pruneDuplicatesBeforeMs: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.epoch = epoch
        self.expectedSequence = expectedSequence
        self.nextOffset = nextOffset
        self.openState = openState
        self.closedCounts = closedCounts
        self.lateIncrements = lateIncrements
        self.unattributedIncrements = unattributedIncrements
        self.newDuplicateIDs = newDuplicateIDs
        self.pruneDuplicatesBeforeMs = pruneDuplicatesBeforeMs
    }
}
