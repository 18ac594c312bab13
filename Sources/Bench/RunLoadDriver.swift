import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Dispatch
import Foundation
import StreamProc
import Synchronization

/// Offers pre-signed events to the input topic at a steady rate from a dedicated
/// thread (not the cooperative pool the pipeline runs on): every 2 ms it enqueues
/// the events due by then (event `i` is due `i / rate` seconds after the start) with
/// ``KafkaProducer/enqueue(_:)``; librdkafka stamps each record with the wall clock
/// at enqueue (CreateTime, **ms**). When librdkafka's local queue is full it retries
/// in the next slice, so the offered rate is a ceiling the thread may fall behind.
final class RunLoadDriver: Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let producedCount = Atomic<UInt64>(0)
    private let failures = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)

    init(producer: KafkaProducer, topic: String) {
        self.producer = producer
        self.topic = topic
    }

    /// Records enqueued since start (cumulative over all steps).
    var produced: UInt64 { producedCount.load(ordering: .relaxed) }
    /// Enqueue errors other than a full queue.
    var errors: UInt64 { failures.load(ordering: .relaxed) }
    /// Whether a step's events are still being offered.
    var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Starts offering `events` at `rate` events/s on a new thread; returns at once.
    func start(_ events: [GeneratedEvent], rate: Double) {
        running.store(true, ordering: .releasing)
        stopRequested.store(false, ordering: .relaxed)
        let thread = Thread { [self] in
            self.offer(events, rate: rate)
            self.running.store(false, ordering: .releasing)
        }
        thread.name = "bench-load"
        thread.start()
    }

    /// Asks the offering thread to stop early.
    func stop() { stopRequested.store(true, ordering: .relaxed) }

    private func offer(_ events: [GeneratedEvent], rate: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        var next = 0
        while next < events.count && !stopRequested.load(ordering: .relaxed) {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let due = min(events.count, Int(elapsed * rate) + 1)
            while next < due {
                let e = events[next]
                do {
                    try producer.enqueue(KafkaProducerMessage(topic: topic, key: e.key, value: e.value))
                } catch let error as KafkaError where error.code == KafkaError.queueFullCode {
                    break
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
                next += 1
                producedCount.add(1, ordering: .relaxed)
            }
            usleep(2_000)
        }
    }
}
