import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import Logging
import StreamProc

/// `streamproc mock-broker`: runs librdkafka's mock Kafka cluster on loopback until
/// SIGINT/SIGTERM; prints its bootstrap servers (`127.0.0.1:port,...`) as the first line
/// of stdout so kcat and other Kafka tools can use it.
struct MockBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-broker",
        abstract: "Run an in-process mock Kafka cluster on loopback until killed; prints its bootstrap address first."
    )

    @Option(help: "Number of brokers (ids 1...N).")
    var brokers: Int = 1

    @Option(help: "Partitions per topic.")
    var partitions: Int = 4

    @Option(help: "Comma-separated topics to create.")
    var topics: String = "ykm.scans,ykm.counts.1m,ykm.scans.rejected"

    func run() async throws {
        var logger = Logger(label: "streamproc.mock-broker")
        logger.logLevel = .warning
        let names = topics.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
        let cluster = try EmbeddedKafkaCluster(
            brokers: brokers, topics: Dictionary(uniqueKeysWithValues: names.map { ($0, partitions) }), logger: logger)
        // Watching before the address is printed: whoever read it can stop us with one signal.
        let (stop, continuation) = AsyncStream<Void>.makeStream()
        let signals = try SignalWatcher(onInterrupt: { continuation.yield() },
                                        onRepeatedInterrupt: { continuation.yield() })
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        for await _ in stop { break }
        signals.cancel()
        cluster.stop()
    }
}
