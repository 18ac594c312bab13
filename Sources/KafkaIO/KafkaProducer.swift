import CLibrdkafka
import Foundation
import Logging
import Synchronization

/// An asynchronous Kafka producer on librdkafka (idempotent by default).
///
/// Delivery reports are served on a dedicated poll thread (`rd_kafka_poll` loop) which
/// resumes the awaiting tasks; nothing blocks Swift's cooperative pool.
public final class KafkaProducer: Sendable {
    let core: KafkaProducerCore

    /// Creates the producer and starts its poll thread. Throws `KafkaError`
    /// (_INVALID_ARG for a bad property).
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        core = try KafkaProducerCore(configuration: configuration, logger: logger)
        core.start()
    }

    deinit {
        core.requestStop()
    }

    /// Sends one message and waits for its delivery report. Waits (1 ms steps) while
    /// librdkafka's local queue is full. Throws `KafkaError` (delivery failure, or
    /// `_STATE` once closed).
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReport {
        let box = KafkaSingleDelivery()
        let opaque = Unmanaged<KafkaDeliveryBox>.passRetained(box).toOpaque()
        do {
            try await core.produceRetrying(message, opaque: opaque)
        } catch {
            Unmanaged<KafkaDeliveryBox>.fromOpaque(opaque).release()
            throw error
        }
        return try await withCheckedThrowingContinuation { box.wait($0) }
    }

    /// What the producer last knew of its brokers (statistics every second, error events). Thread-safe.
    public var brokerState: KafkaBrokerState { core.brokers.withLock { $0 } }

    /// Sends `messages` in order and waits until every delivery report arrived.
    /// Throws the first `KafkaError` (enqueue or delivery); messages enqueued before an
    /// enqueue failure are still awaited. Errors that concern one record only
    /// (``KafkaError/isRecordSpecific``, e.g. `MSG_SIZE_TOO_LARGE`) are not thrown: that
    /// record is skipped and `onRecordError` gets its index and error (called on the
    /// calling task for enqueue errors, on the producer's poll thread for delivery errors).
    public func sendBatch(_ messages: [KafkaProducerMessage],
                          onRecordError: (@Sendable (Int?, KafkaError) -> Void)? = nil) async throws {
        if messages.isEmpty { return }
        let box = KafkaBatchDelivery(expected: messages.count, onRecordError: onRecordError)
        var enqueued = 0
        var enqueueError: KafkaError?
        for (i, message) in messages.enumerated() {
            let opaque = Unmanaged<KafkaDeliveryBox>.passRetained(box).toOpaque()
            do {
                try await core.produceRetrying(message, opaque: opaque)
                enqueued += 1
            } catch {
                Unmanaged<KafkaDeliveryBox>.fromOpaque(opaque).release()
                let e = error as? KafkaError ?? KafkaError(code: RD_KAFKA_RESP_ERR__FAIL.rawValue, message: "\(error)")
                if e.isRecordSpecific, let onRecordError {
                    onRecordError(i, e)
                    continue
                }
                enqueueError = e
                break
            }
        }
        // Skipped records (refused at enqueue) get no delivery report: `seal` settles them
        // with every other record that was never enqueued (expected − enqueued). Counting
        // them as enqueued left the batch waiting for reports that never come (a record
        // refused as MSG_SIZE_TOO_LARGE stopped the pipeline).
        let count = enqueued
        let failure = enqueueError
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            box.seal(enqueued: count, expected: messages.count, continuation: c, error: failure)
        }
    }

    /// Enqueues without awaiting the delivery report (highest throughput). Delivery
    /// failures are counted and the first one is thrown by the next `flush`.
    /// Throws `KafkaError` at once when librdkafka refuses the message (e.g. `_QUEUE_FULL`).
    public func enqueue(_ message: KafkaProducerMessage) throws {
        try core.produce(message, opaque: nil)
    }

    /// Fetches `topic`'s metadata (partitions and leaders) before the first record is sent
    /// to it. librdkafka otherwise learns a topic's partitions only after its first record,
    /// which then waits about a second (`bench produce --count 1` against the mock cluster:
    /// 1.1 s from the first enqueue to its delivery report); a load generator that starts its
    /// schedule after this call offers its first records on time.
    ///
    /// The blocking `rd_kafka_metadata` call runs on a thread of its own (never on the
    /// cooperative pool); `enqueue`/`send` calls made meanwhile wait for it. The topic handle
    /// is kept until the producer closes, so librdkafka keeps what it learned.
    /// - Parameters:
    ///   - topic: the topic name.
    ///   - timeoutMs: longest wait for the metadata, **milliseconds**.
    /// - Returns: the topic's partition count.
    /// - Throws: `KafkaError`: `_TIMED_OUT`, `UNKNOWN_TOPIC_OR_PART` (the broker does not
    ///   know the topic), `_STATE` once closed.
    public func prepareTopic(_ topic: String, timeoutMs: Int = 10_000) async throws -> Int {
        let core = self.core
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: core.fetchTopicMetadata(topic, timeoutMs: timeoutMs)) }
            thread.name = "kafka-metadata"
            thread.start()
        }
    }

    /// Waits until every enqueued message got its delivery report, polling every 1 ms,
    /// for at most `timeoutMs` milliseconds (throws `_TIMED_OUT`). Then throws the first
    /// delivery failure of fire-and-forget `enqueue`d messages since the last flush.
    public func flush(timeoutMs: Int = 30_000) async throws {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while core.outstanding() > 0 {
            if ContinuousClock.now >= deadline {
                throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "flush: \(core.outstanding()) messages outstanding")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        if let error = core.takeDeliveryFailure() { throw error }
    }

    /// Flushes (up to `timeoutMs` ms), then stops the poll thread and destroys the handle;
    /// undelivered messages are purged (their awaiters get `_PURGE_QUEUE`). Idempotent.
    /// Throws what `flush` throws.
    public func close(timeoutMs: Int = 30_000) async throws {
        var flushError: (any Error)?
        do { try await flush(timeoutMs: timeoutMs) } catch { flushError = error }
        await core.stop()
        if let flushError { throw flushError }
    }
}

final class KafkaProducerCore: KafkaHandleContext, @unchecked Sendable {
    struct Shared {
        var stopping = false
        var exited = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        var firstFailure: KafkaError?
        var failureCount = 0
    }

    let handle: Mutex<KafkaHandleRef?>
    let shared = Mutex(Shared())

    init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        handle = Mutex(nil)
        super.init(logger: logger)
        let conf = try makeConf(configuration.librdkafkaProperties)
        rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryCallback)
        let rk = try Self.newHandle(type: RD_KAFKA_PRODUCER, conf: conf, secretValues: secretValues)
        handle.withLock { $0 = KafkaHandleRef(rk: rk) }
    }

    /// The live handle, or nil when closed. Callers use it under `handle`'s lock.
    func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "kafka-producer"
        thread.start()
    }

    func requestStop() {
        shared.withLock { $0.stopping = true }
    }

    func stop() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let exited = shared.withLock { s -> Bool in
                if s.exited { return true }
                s.stopping = true
                s.stopWaiters.append(c)
                return false
            }
            if exited { c.resume() }
        }
    }

    func outstanding() -> Int {
        handle.withLock { h in h.map { Int(rd_kafka_outq_len($0.rk)) } ?? 0 }
    }

    func takeDeliveryFailure() -> KafkaError? {
        shared.withLock { s in
            let f = s.firstFailure
            s.firstFailure = nil
            return f
        }
    }

    func recordFailure(_ error: KafkaError) {
        shared.withLock { s in
            s.failureCount += 1
            if s.firstFailure == nil { s.firstFailure = error }
        }
    }

    /// Topic handles of ``KafkaProducer/prepareTopic(_:timeoutMs:)``, destroyed with the handle
    /// (guarded by `handle`'s lock).
    private var preparedTopics: [OpaquePointer] = []

    /// `rd_kafka_metadata` for one topic under `handle`'s lock (blocking: a dedicated thread only).
    func fetchTopicMetadata(_ topic: String, timeoutMs: Int) -> Result<Int, KafkaError> {
        handle.withLock { h in
            guard let rk = h?.rk else { return .failure(KafkaError(RD_KAFKA_RESP_ERR__STATE, "producer closed")) }
            guard let rkt = rd_kafka_topic_new(rk, topic, nil) else {
                return .failure(KafkaError(rd_kafka_last_error(), "topic handle for \(topic)"))
            }
            preparedTopics.append(rkt)
            var metadata: UnsafePointer<rd_kafka_metadata_t>? = nil
            let err = rd_kafka_metadata(rk, 0, rkt, &metadata, Int32(clamping: timeoutMs))
            defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md = metadata?.pointee else { return .failure(KafkaError(err)) }
            for i in 0..<Int(md.topic_cnt) where String(cString: md.topics[i].topic) == topic {
                let t = md.topics[i]
                if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(KafkaError(t.err)) }
                return .success(Int(t.partition_cnt))
            }
            return .failure(KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART))
        }
    }

    /// One `rd_kafka_produceva` call. Throws `KafkaError` (e.g. `_QUEUE_FULL`, `_STATE`).
    func produce(_ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?) throws {
        let err: rd_kafka_resp_err_t = handle.withLock { h in
            guard let rk = h?.rk else { return RD_KAFKA_RESP_ERR__STATE }
            var headers: OpaquePointer? = nil
            if !message.headers.isEmpty {
                headers = rd_kafka_headers_new(message.headers.count)
                for header in message.headers {
                    if let value = header.value {
                        value.withUnsafeBytes { buf in
                            _ = rd_kafka_header_add(headers, header.name, -1, buf.baseAddress, buf.count)
                        }
                    } else {
                        _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
                    }
                }
            }
            let partition = message.partition ?? sp_rdk_partition_ua()
            let result = message.value.withUnsafeBytes { v in
                let value = message.isNullValue ? UnsafeRawBufferPointer(start: nil, count: 0) : v
                if let key = message.key {
                    return key.withUnsafeBytes { k in
                        sp_rdk_produce(rk, message.topic, partition, k.baseAddress ?? UnsafeRawPointer(value.baseAddress), k.count,
                                       value.baseAddress, value.count, headers, message.timestampMs ?? 0, opaque)
                    }
                }
                return sp_rdk_produce(rk, message.topic, partition, nil, 0,
                                      value.baseAddress, value.count, headers, message.timestampMs ?? 0, opaque)
            }
            if result != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
            return result
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// `produce`, waiting 1 ms and retrying while the local queue is full.
    func produceRetrying(_ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?) async throws {
        while true {
            do {
                try produce(message, opaque: opaque)
                return
            } catch let error as KafkaError where error.code == KafkaError.queueFullCode {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    private func run() {
        guard let rk = handle.withLock({ $0 })?.rk else { return }
        while !shared.withLock({ $0.stopping }) {
            rd_kafka_poll(rk, 100)
        }
        // Undelivered messages: purge, then serve their (failed) delivery reports so every
        // awaiting task resumes.
        _ = rd_kafka_flush(rk, 0)
        handle.withLock { h in
            h = nil  // no new produce calls from here on
            for rkt in preparedTopics { rd_kafka_topic_destroy(rkt) }
            preparedTopics.removeAll()
        }
        _ = rd_kafka_purge(rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        var spins = 0
        while rd_kafka_outq_len(rk) > 0 && spins < 100 {
            rd_kafka_poll(rk, 10)
            spins += 1
        }
        rd_kafka_destroy(rk)
        let waiters = shared.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.exited = true
            let w = s.stopWaiters
            s.stopWaiters.removeAll()
            return w
        }
        for w in waiters { w.resume() }
        logger.debug("producer closed")
    }
}

private let kafkaDeliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { rk, message, opaque in
    guard let message else { return }
    let m = message.pointee
    let result: Result<KafkaDeliveryReport, KafkaError>
    if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        result = .success(KafkaDeliveryReport(topic: topic, partition: m.partition, offset: m.offset))
    } else {
        result = .failure(KafkaError(m.err))
    }
    if let boxPointer = m._private {
        Unmanaged<KafkaDeliveryBox>.fromOpaque(boxPointer).takeRetainedValue().complete(result)
    } else if case .failure(let error) = result, let opaque {
        (Unmanaged<KafkaHandleContext>.fromOpaque(opaque).takeUnretainedValue() as? KafkaProducerCore)?.recordFailure(error)
    }
}
