/// One consumed Kafka record, a view into its `KafkaBatch`'s byte storage
/// (`key`, `value` and header values are slices of that storage; nothing is copied).
public struct KafkaRecord: Sendable {
    let storage: KafkaBatchStorage
    let index: Int

    private var slot: KafkaBatch.RecordSlot { storage.slots[index] }

    /// Topic name (shared by all records of the batch's partition, not allocated per record).
    public var topic: String { storage.topics[Int(slot.topicIndex)] }
    public var partition: Int32 { slot.partition }
    public var offset: Int64 { slot.offset }
    /// Record key, nil when the record has none.
    public var key: ArraySlice<UInt8>? {
        let s = slot
        if s.keyLength < 0 { return nil }
        let start = Int(s.keyStart)
        return storage.bytes[start..<(start + Int(s.keyLength))]
    }
    /// Record value (an empty slice for a null value: see ``isNullValue``).
    public var value: ArraySlice<UInt8> {
        let s = slot
        let start = Int(s.valueStart)
        return storage.bytes[start..<(start + max(0, Int(s.valueLength)))]
    }
    /// Whether the record's value is null (a tombstone), not merely empty.
    public var isNullValue: Bool { slot.valueLength < 0 }
    /// Record timestamp, milliseconds since the Unix epoch (-1 when unavailable).
    public var timestampMs: Int64 { slot.timestampMs }
    /// Record headers, in wire order.
    public var headers: KafkaRecordHeaders {
        let s = slot
        let start = Int(s.headerStart)
        return KafkaRecordHeaders(bytes: storage.bytes, slots: storage.headerSlots[start..<(start + Int(s.headerCount))])
    }

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
