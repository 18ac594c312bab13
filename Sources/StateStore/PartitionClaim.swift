/// The result of ``StateStore/claim(topic:partition:owner:)``: the partition's new fencing epoch
/// and what the previous owner last committed.
public struct PartitionClaim: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// The new epoch (1 for a partition never claimed before). Every commit must carry it.
    public var epoch: Int64
    /// The Kafka offset to resume from (seek to it); nil if nothing was ever committed.
    public var nextOffset: Int64?
    /// The open-window state bytes of the last commit (opaque to the store); empty if none.
    public var openState: [UInt8]
    /// The number of commits applied to this partition so far; pass it as the first commit's
    /// ``PartitionCommit/expectedSequence``.
    public var sequence: Int64

    public init(topic: String, partition: Int32, epoch: Int64, nextOffset: Int64?, openState: [UInt8], sequence: Int64) {
        self.topic = topic
        self.partition = partition
        self.epoch = epoch
        self.nextOffset = nextOffset
        self.openState = openState
        self.sequence = sequence
    }
}
