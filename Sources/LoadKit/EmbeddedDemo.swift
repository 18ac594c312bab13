import Foundation
import KafkaIO
import Logging
import ScanRules
import ServiceLifecycle

/// The embedded default of `streamproc run` (no `--brokers`): librdkafka's mock
/// cluster in-process, a key registry generated at start and the built-in load
/// generator producing signed events into the input topic.
///
/// Built by the `streamproc` executable, never by the pipeline: the library
/// product `StreamProc` knows nothing of load generation or test keys.
/// Create it on any task; ``stop()`` once the pipeline has stopped.
public final class EmbeddedDemo: Sendable {
    /// What the demo runs.
    public struct Configuration: Sendable {
        /// Offered rate of the load generator, events/s. Env `STREAMPROC_LOAD_RATE`. Default 1,000.
        public var loadRate: Double = 1_000
        /// Partitions of each topic the mock cluster creates. Env `STREAMPROC_PARTITIONS`. Default 4.
        public var partitions: Int = 4

        /// The defaults.
        public init() {}

        /// - Throws: ``EmbeddedDemo/ConfigurationError`` naming the flag and its environment variable.
        public func validate() throws(ConfigurationError) {
            if !(loadRate > 0 && loadRate <= 10_000_000) {
                throw ConfigurationError(message: "--load-rate (STREAMPROC_LOAD_RATE): \(loadRate) is not in (0, 10000000] events/s")
            }
            if !(1...1024).contains(partitions) {
                throw ConfigurationError(message: "--partitions (STREAMPROC_PARTITIONS): \(partitions) is not in 1…1024")
            }
        }
    }

    /// A bad demo setting; the message names the flag and its environment variable.
    public struct ConfigurationError: Error, CustomStringConvertible {
        /// What is wrong.
        public let message: String
        public var description: String { message }
    }

    /// The mock cluster (loopback); its ``EmbeddedKafkaCluster/bootstrapServers`` are the pipeline's brokers.
    public let cluster: EmbeddedKafkaCluster
    /// The public registry of the generator's keys (spec §4).
    public let registry: KeyRegistry
    /// The load generator as a service, to run beside the pipeline.
    public let load: LoadService
    /// A one-line description for the terminal.
    public let banner: String

    /// Starts the mock cluster with `inputTopic`, `countsTopic` and `rejectedTopic`, and
    /// prepares the load generator (it produces once ``load`` runs).
    /// - Parameters:
    ///   - startedAtMs: wall clock at start, ms since the epoch (seeds the workload).
    /// - Throws: `KafkaError` when the cluster or producer cannot be created; load-generator
    ///   or registry errors.
    public init(configuration: Configuration, inputTopic: String, countsTopic: String, rejectedTopic: String,
                startedAtMs: Int64, logger: Logger) throws {
        let n = configuration.partitions
        let c = try EmbeddedKafkaCluster(brokers: 1, topics: [inputTopic: n, countsTopic: n, rejectedTopic: n])
        do {
            let workload = WorkloadConfiguration(seed: UInt64(truncatingIfNeeded: startedAtMs), startMs: startedAtMs,
                                                 ratePerSecond: configuration.loadRate, deterministicKeys: false)
            let generator = try LoadGenerator(workload)
            registry = try KeyRegistry(json: generator.registryJSON())
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: c.bootstrapServers), logger: logger)
            load = LoadService(generator: generator, producer: producer, topic: inputTopic,
                               rate: configuration.loadRate, logger: logger)
        } catch {
            c.stop()
            throw error
        }
        cluster = c
        banner = "embedded Kafka mock cluster at \(c.bootstrapServers) (topic \(inputTopic), \(n) partitions); load generator at \(Int(configuration.loadRate)) events/s"
    }

    /// Stops the mock cluster. Call after the pipeline and the load service stopped.
    public func stop() { cluster.stop() }
}
