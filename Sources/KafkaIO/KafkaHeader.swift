/// One Kafka record header: a UTF-8 `name` and an optional byte `value`
/// (Kafka protocol: header value may be null).
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: ArraySlice<UInt8>?

    public init(name: String, value: ArraySlice<UInt8>?) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value.map { $0[...] }
    }
}
