import CLibrdkafka
#if canImport(Glibc)
import Glibc
#endif

/// A batch of consumed records, in the order librdkafka delivered them (per partition:
/// increasing offsets). All keys, values and headers live in one contiguous byte array,
/// copied out of librdkafka's messages (which are destroyed right after the copy).
public struct KafkaBatch: RandomAccessCollection, Sendable {
    struct RecordSlot: Sendable {
        var topicIndex: Int32
        var partition: Int32
        var offset: Int64
        var timestampMs: Int64
        var keyStart: Int32
        var keyLength: Int32  // -1: no key
        var valueStart: Int32
        var valueLength: Int32
        var headerStart: Int32
        var headerCount: Int32
    }

    struct HeaderSlot: Sendable {
        var nameStart: Int32
        var nameLength: Int32
        var valueStart: Int32
        var valueLength: Int32  // -1: null value
    }

    let storage: KafkaBatchStorage

    init(bytes: [UInt8], slots: [RecordSlot], topics: [String], headerSlots: [HeaderSlot], fetchedAtUs: Int64) {
        storage = KafkaBatchStorage(bytes: bytes, slots: slots, topics: topics, headerSlots: headerSlots,
                                    fetchedAtUs: fetchedAtUs)
    }

    /// Wall clock, **microseconds** since the Unix epoch, when the poll thread finished the
    /// batch: its last record copied out of librdkafka, before any wait for room in the
    /// processor's buffer (records gathered while the processor was busy waited in the batch
    /// until then). With a record's ``KafkaRecord/timestampMs`` it splits end-to-end latency
    /// into the broker-fetch-and-gather part and the processor's part (`bench run` reports both).
    public var fetchedAtUs: Int64 { storage.fetchedAtUs }

    var bytes: [UInt8] { storage.bytes }
    var slots: [RecordSlot] { storage.slots }
    var topics: [String] { storage.topics }
    var headerSlots: [HeaderSlot] { storage.headerSlots }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.slots.count }

    /// The record at `position` (a reference to the batch storage plus an index; key,
    /// value and headers are sliced on access).
    public subscript(position: Int) -> KafkaRecord {
        KafkaRecord(storage: storage, index: position)
    }

    /// Total key+value+header bytes held by the batch.
    public var byteCount: Int { bytes.count }

    /// For each partition in the batch, the highest record offset it holds.
    public var lastOffsets: [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        var lastTopic: Int32 = -1
        var lastPartition: Int32 = -1
        var lastOffset: Int64 = -1
        func flush() {
            if lastTopic >= 0 {
                let tp = TopicPartition(topic: topics[Int(lastTopic)], partition: lastPartition)
                result[tp] = Swift.max(result[tp] ?? -1, lastOffset)
            }
        }
        for slot in slots {
            if slot.topicIndex != lastTopic || slot.partition != lastPartition {
                flush()
                lastTopic = slot.topicIndex
                lastPartition = slot.partition
                lastOffset = slot.offset
            } else if slot.offset > lastOffset {
                lastOffset = slot.offset
            }
        }
        flush()
        return result
    }

    /// Returns this batch without the records of `partitions` (used to drop records of
    /// revoked partitions that are still buffered).
    func removing(_ partitions: Set<TopicPartition>) -> KafkaBatch {
        let topics = self.topics
        let keep = slots.filter { !$0.belongs(to: partitions, topics: topics) }
        return KafkaBatch(bytes: bytes, slots: keep, topics: topics, headerSlots: headerSlots,
                          fetchedAtUs: fetchedAtUs)
    }
}

extension KafkaBatch.RecordSlot {
    /// Whether this record is of one of `partitions` (`topics`: the batch's topic names).
    func belongs(to partitions: Set<TopicPartition>, topics: [String]) -> Bool {
        partitions.contains(TopicPartition(topic: topics[Int(topicIndex)], partition: partition))
    }
}

/// The immutable storage of one batch, shared by its records.
final class KafkaBatchStorage: Sendable {
    let bytes: [UInt8]
    let slots: [KafkaBatch.RecordSlot]
    let topics: [String]
    let headerSlots: [KafkaBatch.HeaderSlot]
    let fetchedAtUs: Int64

    init(bytes: [UInt8], slots: [KafkaBatch.RecordSlot], topics: [String], headerSlots: [KafkaBatch.HeaderSlot],
         fetchedAtUs: Int64) {
        self.bytes = bytes
        self.slots = slots
        self.topics = topics
        self.headerSlots = headerSlots
        self.fetchedAtUs = fetchedAtUs
    }
}

/// Accumulates librdkafka messages into one `KafkaBatch` (poll thread only).
struct KafkaBatchBuilder {
    private var bytes: [UInt8] = []
    private var slots: [KafkaBatch.RecordSlot] = []
    private var topics: [String] = []
    private var topicHandles: [OpaquePointer?] = []
    private var headerSlots: [KafkaBatch.HeaderSlot] = []
    private var lastHandle: OpaquePointer? = nil
    private var lastTopicIndex: Int32 = 0
    private let expectedRecords: Int

    init(expectedRecords: Int) {
        self.expectedRecords = expectedRecords
        reserve()
    }

    private mutating func reserve() {
        slots.reserveCapacity(expectedRecords)
        bytes.reserveCapacity(expectedRecords * 256)
    }

    var count: Int { slots.count }

    /// Drops the records of `partitions` gathered so far (they were revoked before the
    /// batch was handed over; the bytes stay until ``finish()``).
    mutating func remove(_ partitions: Set<TopicPartition>) {
        guard !partitions.isEmpty, !slots.isEmpty else { return }
        let topics = self.topics
        slots.removeAll { $0.belongs(to: partitions, topics: topics) }
    }

    /// Copies `message` (err must be NO_ERROR) into the batch. Does not destroy it.
    mutating func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let topicIndex: Int32
        if let rkt = m.rkt, rkt == lastHandle {
            topicIndex = lastTopicIndex
        } else if let i = topicHandles.firstIndex(where: { $0 == m.rkt }) {
            topicIndex = Int32(i)
        } else {
            topicIndex = Int32(topics.count)
            topicHandles.append(m.rkt)
            topics.append(m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "")
        }
        lastHandle = m.rkt
        lastTopicIndex = topicIndex

        var keyStart: Int32 = 0
        var keyLength: Int32 = -1
        if let key = m.key {
            keyStart = Int32(truncatingIfNeeded: bytes.count)
            keyLength = Int32(truncatingIfNeeded: m.key_len)
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: key, count: m.key_len))
        }
        let valueStart = Int32(truncatingIfNeeded: bytes.count)
        var valueLength: Int32 = -1  // null value
        if let payload = m.payload {
            valueLength = Int32(truncatingIfNeeded: m.len)
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: payload, count: m.len))
        }
        let headerStart = Int32(truncatingIfNeeded: headerSlots.count)
        var headerCount: Int32 = 0
        var headers: OpaquePointer? = nil
        if rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
            var idx = 0
            var name: UnsafePointer<CChar>? = nil
            var value: UnsafeRawPointer? = nil
            var size = 0
            while rd_kafka_header_get_all(headers, idx, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                idx += 1
                guard let name else { continue }
                let nameLength = strlen(name)
                let nameStart = Int32(truncatingIfNeeded: bytes.count)
                name.withMemoryRebound(to: UInt8.self, capacity: nameLength) {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: nameLength))
                }
                let hvStart = Int32(truncatingIfNeeded: bytes.count)
                var hvLength: Int32 = -1
                if let value {
                    hvLength = Int32(truncatingIfNeeded: size)
                    bytes.append(contentsOf: UnsafeRawBufferPointer(start: value, count: size))
                }
                headerSlots.append(.init(
                    nameStart: nameStart, nameLength: Int32(truncatingIfNeeded: nameLength),
                    valueStart: hvStart, valueLength: hvLength))
                headerCount += 1
            }
        }
        slots.append(.init(
            topicIndex: topicIndex, partition: m.partition, offset: m.offset,
            timestampMs: rd_kafka_message_timestamp(message, nil),
            keyStart: keyStart, keyLength: keyLength,
            valueStart: valueStart, valueLength: valueLength,
            headerStart: headerStart, headerCount: headerCount))
    }

    /// Hands the accumulated batch out and starts a new, empty one.
    mutating func finish() -> KafkaBatch {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let batch = KafkaBatch(bytes: bytes, slots: slots, topics: topics, headerSlots: headerSlots,
                               fetchedAtUs: Int64(now.tv_sec) &* 1_000_000 &+ Int64(now.tv_nsec / 1_000))
        bytes = []
        slots = []
        topics = []
        topicHandles = []
        headerSlots = []
        lastHandle = nil
        reserve()
        return batch
    }
}

extension KafkaBatch {
    /// Calls `body` with the bytes of record `index`'s value (0-based, < `count`), in
    /// place, without copying; a null value is empty. The buffer is valid only inside `body`.
    public func withValue<R>(at index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let slot = slots[index]
        return bytes.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[Int(slot.valueStart)..<(Int(slot.valueStart) + Swift.max(0, Int(slot.valueLength)))]))
        }
    }
}
