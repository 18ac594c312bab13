import CLibrdkafka
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// An in-process Kafka cluster: librdkafka's mock cluster (`rd_kafka_mock_cluster_new`),
/// which speaks the real Kafka protocol over TCP on 127.0.0.1 (random ports), with consumer
/// groups, idempotent producers and fault injection. Meant for tests and local tools.
///
/// Limits (librdkafka 2.0.2 mock): each partition keeps only about 5 MB of log (older
/// message sets are dropped), so long runs must consume while producing; when an append
/// drops the only older set left, the log start jumps to the new end offset and the set
/// being appended is unreadable too (so a set of about 5 MB must be followed by a small
/// one before a larger append); no CreateTopics
/// admin API (use `createTopic`); topics produced to without creation are auto-created.
public final class EmbeddedKafkaCluster: Sendable {
    private let core: MockClusterCore
    private let ports: MockBrokerPorts
    /// `bootstrap.servers` of the cluster (comma-separated `127.0.0.1:port`).
    public var bootstrapServers: String { core.bootstrapServers }
    /// Number of brokers; their ids are 1...brokerCount.
    public var brokerCount: Int { core.brokerCount }

    /// Starts `brokers` mock brokers and creates `topics` (name → partition count).
    /// Throws `KafkaError` if librdkafka cannot create the cluster or a topic.
    public init(brokers: Int = 1, topics: [String: Int] = [:],
                logger: Logger = Logger(label: "streamproc.kafka.mock")) throws {
        core = try MockClusterCore(brokers: brokers, topics: topics, logger: logger)
        ports = MockBrokerPorts(bootstrapServers: core.bootstrapServers)
    }

    /// Creates `name` with `partitions` partitions (replication factor capped at the
    /// broker count). Throws `KafkaError`.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try core.createTopic(name, partitions: partitions, replicationFactor: replicationFactor)
    }

    /// Disconnects broker `id` (1-based; -1 = all) and refuses new connections; leadership
    /// does not move. Its port stays reserved for it (``MockBrokerPorts``). Throws `KafkaError`.
    public func setBrokerDown(_ id: Int32) throws {
        try core.setBrokerDown(id)
        ports.hold(id)
    }

    /// Lets broker `id` (-1 = all) accept connections again, on its old port.
    /// - Throws: `KafkaError` from librdkafka, or `_FAIL` when another socket still has the
    ///   port after 10 s: librdkafka 2.0.2's mock would abort the process on it
    ///   (``MockBrokerPorts`` makes this all but impossible).
    public func setBrokerUp(_ id: Int32) throws {
        let busy = ports.release(id, timeoutMs: 10_000)
        guard busy.isEmpty else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL,
                             "mock broker \(id) cannot listen again: port(s) \(busy) still in use by another socket after 10 s")
        }
        try core.setBrokerUp(id)
    }

    /// Delays every response of broker `broker` (-1 = all) by `ms` milliseconds.
    public func setRTT(broker: Int32, ms: Int) throws { try core.setRTT(broker: broker, ms: ms) }

    /// Makes the next `errors.count` requests with Kafka protocol `apiKey` (e.g. 0 Produce,
    /// 1 Fetch, 8 OffsetCommit) fail with these error codes (raw `rd_kafka_resp_err_t`;
    /// `-195` `_TRANSPORT` disconnects the client).
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) { core.pushRequestErrors(apiKey: apiKey, errors: errors) }

    /// Sets partition `partition` of `topic` to be led by broker `leader`. Throws `KafkaError`.
    public func setPartitionLeader(topic: String, partition: Int32, leader: Int32) throws {
        try core.setPartitionLeader(topic: topic, partition: partition, leader: leader)
    }

    /// Shuts the brokers down and frees the cluster. Idempotent; clients still connected
    /// see disconnects.
    public func stop() {
        core.stop()
        ports.releaseAll()
    }
}

/// The librdkafka side of ``EmbeddedKafkaCluster``: the mock cluster's handles and every
/// `rd_kafka_mock_*` call. Thread-safe (handles behind a `Mutex`).
final class MockClusterCore: Sendable {
    struct Handles: @unchecked Sendable {
        let rk: OpaquePointer
        let mcluster: OpaquePointer
    }

    private let handles: Mutex<Handles?>
    private let context: KafkaHandleContext
    /// `bootstrap.servers` of the cluster (comma-separated `127.0.0.1:port`).
    let bootstrapServers: String
    /// Number of brokers; their ids are 1...brokerCount.
    let brokerCount: Int

    /// Starts `brokers` mock brokers and creates `topics` (name → partition count).
    /// Throws `KafkaError` if librdkafka cannot create the cluster or a topic.
    init(brokers: Int = 1, topics: [String: Int] = [:],
                logger: Logger = Logger(label: "streamproc.kafka.mock")) throws {
        context = KafkaHandleContext(logger: logger)
        brokerCount = max(1, brokers)
        let conf = try context.makeConf([("log.connection.close", "false")])
        let rk = try KafkaHandleContext.newHandle(type: RD_KAFKA_PRODUCER, conf: conf)
        guard let mcluster = rd_kafka_mock_cluster_new(rk, Int32(brokerCount)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, "rd_kafka_mock_cluster_new failed")
        }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mcluster))
        handles = Mutex(Handles(rk: rk, mcluster: mcluster))
        for name in topics.keys.sorted() {
            try createTopic(name, partitions: topics[name]!)
        }
    }

    deinit {
        stop()
    }

    private func withCluster(_ body: (OpaquePointer) -> rd_kafka_resp_err_t) throws {
        let err = handles.withLock { h -> rd_kafka_resp_err_t in
            guard let h else { return RD_KAFKA_RESP_ERR__STATE }
            return body(h.mcluster)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Creates `name` with `partitions` partitions (replication factor capped at the
    /// broker count). Throws `KafkaError`.
    func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let rf = Int32(min(max(1, replicationFactor), brokerCount))
        try withCluster { rd_kafka_mock_topic_create($0, name, Int32(partitions), rf) }
    }

    /// Disconnects broker `id` (1-based; -1 = all) and refuses new connections; leadership
    /// does not move. Throws `KafkaError`.
    func setBrokerDown(_ id: Int32) throws {
        try withCluster { rd_kafka_mock_broker_set_down($0, id) }
    }

    /// Lets broker `id` (-1 = all) accept connections again. Throws `KafkaError`.
    func setBrokerUp(_ id: Int32) throws {
        try withCluster { rd_kafka_mock_broker_set_up($0, id) }
    }

    /// Delays every response of broker `broker` (-1 = all) by `ms` milliseconds.
    func setRTT(broker: Int32, ms: Int) throws {
        try withCluster { rd_kafka_mock_broker_set_rtt($0, broker, Int32(ms)) }
    }

    /// Makes the next `errors.count` requests with Kafka protocol `apiKey` (e.g. 0 Produce,
    /// 1 Fetch, 8 OffsetCommit) fail with these error codes (raw `rd_kafka_resp_err_t`;
    /// `-195` `_TRANSPORT` disconnects the client).
    func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        handles.withLock { h in
            guard let h else { return }
            codes.withUnsafeBufferPointer {
                rd_kafka_mock_push_request_errors_array(h.mcluster, apiKey, $0.count, $0.baseAddress)
            }
        }
    }

    /// Sets partition `partition` of `topic` to be led by broker `leader`. Throws `KafkaError`.
    func setPartitionLeader(topic: String, partition: Int32, leader: Int32) throws {
        try withCluster { rd_kafka_mock_partition_set_leader($0, topic, partition, leader) }
    }

    /// Shuts the brokers down and frees the cluster. Idempotent; clients still connected
    /// see disconnects.
    func stop() {
        let h = handles.withLock { h -> Handles? in
            let old = h
            h = nil
            return old
        }
        guard let h else { return }
        rd_kafka_mock_cluster_destroy(h.mcluster)
        rd_kafka_destroy(h.rk)
        withExtendedLifetime(context) {}
    }
}
