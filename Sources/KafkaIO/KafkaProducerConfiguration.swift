/// Configuration of a `KafkaProducer`.
public struct KafkaProducerConfiguration: Sendable {
    /// `compression.codec`.
    public enum Compression: String, Sendable {
        case none, gzip, snappy, lz4, zstd
    }

    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var bootstrapServers: String
    /// `enable.idempotence` (exactly-once per partition within a producer session; implies acks=all).
    public var idempotence: Bool = true
    public var compression: Compression = .none
    /// `linger.ms`: how long to wait for a batch to fill, milliseconds.
    public var lingerMs: Int = 5
    /// `message.timeout.ms`: give up delivering a message after this long, milliseconds
    /// (librdkafka retries with backoff meanwhile, e.g. while the brokers are down).
    public var messageTimeoutMs: Int = 30_000
    /// `message.max.bytes`: the largest record this producer sends (key, value, headers and
    /// framing), bytes. librdkafka refuses larger ones with `MSG_SIZE_TOO_LARGE`.
    public var maxMessageBytes: Int = 1_000_000
    /// Operator client properties (SASL, TLS, timeouts; issue 13), applied after the
    /// processor's own properties above and before `extra`. Keys the processor owns cannot
    /// be in it (``KafkaClientProperties/refusalReason(forKey:)``).
    public var clientProperties = KafkaClientProperties()
    /// Raw librdkafka properties (CONFIGURATION.md), applied last, so they override.
    public var extra: [String: String] = [:]

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    var librdkafkaProperties: [(String, String)] {
        var props: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers),
            ("enable.idempotence", idempotence ? "true" : "false"),
            ("compression.codec", compression.rawValue),
            ("linger.ms", String(lingerMs)),
            ("message.timeout.ms", String(messageTimeoutMs)),
            ("message.max.bytes", String(maxMessageBytes)),
            ("statistics.interval.ms", "1000"),
        ]
        props.append(contentsOf: clientProperties.pairs)
        for key in extra.keys.sorted() {
            props.append((key, extra[key]!))
        }
        return props
    }
}

/// One record to produce.
public struct KafkaProducerMessage: Sendable {
    public var topic: String
    /// Target partition; nil lets librdkafka's partitioner choose (by key hash when keyed).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Produce a null value (a tombstone) instead of `value`.
    public var isNullValue = false
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch; nil means now.
    public var timestampMs: Int64?

    public init(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8],
                headers: [KafkaHeader] = [], timestampMs: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
    }
}

/// Where a produced message landed.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
