import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation
import Logging
import ServiceLifecycle

/// The embedded default's built-in load: signed scan events over all 20
/// scenarios and 41 districts, produced at a steady rate to the input topic,
/// stamped with the wall clock.
public final class LoadService: Service, Sendable {
    /// Offered rate, events/s.
    public let rate: Double
    private let topic: String
    private let producer: KafkaProducer
    private let generator: LoadGeneratorBox
    private let logger: Logger

    private final class LoadGeneratorBox: @unchecked Sendable {
        // Only touched from the service's single run task.
        var generator: LoadGenerator
        init(_ g: LoadGenerator) { generator = g }
    }

    /// - Parameters:
    ///   - generator: the workload model and its signing keys.
    ///   - producer: where events go.
    ///   - topic: the input topic.
    ///   - rate: events/s.
    public init(generator: LoadGenerator, producer: KafkaProducer, topic: String, rate: Double, logger: Logger) {
        self.generator = LoadGeneratorBox(generator)
        self.producer = producer
        self.topic = topic
        self.rate = rate
        self.logger = logger
    }

    /// Produces until graceful shutdown, in 10 ms steps; falls behind rather
    /// than bursting when signing cannot keep up.
    public func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0.0
        var errors = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(10))
            let elapsed = clock.now - start
            let due = rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            let n = min(Int(due - sent), max(1, Int(rate / 10)))
            if n <= 0 { continue }
            let now = WallClock.nowMs()
            for _ in 0..<n {
                let e = generator.generator.nextEvent(at: now)
                do {
                    try producer.enqueue(KafkaProducerMessage(topic: topic, key: e.key, value: e.value))
                } catch {
                    errors += 1
                    if errors % 1000 == 1 { logger.warning("load: produce failed", metadata: ["error": "\(error)"]) }
                }
            }
            sent += Double(n)
            if due - sent > rate { sent = due - rate }  // do not accumulate more than 1 s of debt
        }
        try? await producer.flush()
        try? await producer.close()
    }
}
