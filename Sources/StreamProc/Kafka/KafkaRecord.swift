/// One consumed Kafka record, a view into its `KafkaBatch`'s byte storage
/// (`key`, `value` and header values are slices of that storage; nothing is copied).
public struct KafkaRecord: Sendable {
    /// Topic name (shared by all records of the batch's partition, not allocated per record).
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    /// Record key, nil when the record has none.
    public let key: ArraySlice<UInt8>?
    /// Record value (an empty slice for a null value).
    public let value: ArraySlice<UInt8>
    /// Record timestamp, milliseconds since the Unix epoch (-1 when unavailable).
    public let timestampMs: Int64
    /// Record headers, in wire order.
    public let headers: KafkaRecordHeaders

    /// The partition of this record.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// The headers of one `KafkaRecord`, a random-access view into batch storage.
public struct KafkaRecordHeaders: RandomAccessCollection, Sendable {
    let bytes: [UInt8]
    let slots: ArraySlice<KafkaBatch.HeaderSlot>

    public var startIndex: Int { 0 }
    public var endIndex: Int { slots.count }

    public subscript(position: Int) -> KafkaHeader {
        let slot = slots[slots.startIndex + position]
        let nameStart = Int(slot.nameStart)
        let name = String(decoding: bytes[nameStart..<(nameStart + Int(slot.nameLength))], as: UTF8.self)
        let value: ArraySlice<UInt8>?
        if slot.valueLength < 0 {
            value = nil
        } else {
            let start = Int(slot.valueStart)
            value = bytes[start..<(start + Int(slot.valueLength))]
        }
        return KafkaHeader(name: name, value: value)
    }

    /// The value of the first header called `name` (nil if absent or null).
    public func first(named name: String) -> ArraySlice<UInt8>? {
        for header in self where header.name == name { return header.value }
        return nil
    }
}
