import CLibrdkafka
import Foundation
import Logging
import Synchronization

/// The state shared by a `KafkaConsumer` and its poll thread. Every librdkafka call that
/// blocks (consume, commit, close) happens on the poll thread; callers hand work over as
/// commands. The lifecycle is ``KafkaConsumer/StateMachine``, in `shared`.
final class KafkaConsumerCore: KafkaHandleContext, @unchecked Sendable {
    enum Command {
        case commit(CheckedContinuation<Void, any Error>)
    }

    struct Shared {
        var machine = KafkaConsumer.StateMachine()
        var commands: [Command] = []
    }

    let configuration: KafkaConsumerConfiguration
    let channel: KafkaEventChannel
    /// The handle; nil once destroyed. Guarded so `lag()` never races `rd_kafka_destroy`.
    let handle: Mutex<KafkaHandleRef?>
    private var rk: OpaquePointer!  // poll thread (and init) only
    private var queue: OpaquePointer!
    let shared = Mutex(Shared())
    /// Offsets to store ("next offset to consume", i.e. processed + 1), drained by the poll thread.
    let pendingStores = Mutex<[TopicPartition: Int64]>([:])
    /// Assigned partitions a fetch response arrived for since their assignment (a record
    /// consumed or the partition's end reached); written by the poll thread, read by
    /// ``partitionOffsets()``.
    let fetchedSinceAssignment = Mutex<Set<TopicPartition>>([])
    /// Partitions revoked during the current consume call (poll thread only).
    private var revokedDuringCall: Set<TopicPartition> = []
    private var rebalancesDuringCall = 0
    private var isCooperative = false
    /// Offsets handed to `rd_kafka_offsets_store` and not yet known committed (poll thread only).
    private var lastStored: [TopicPartition: Int64] = [:]
    /// Stored offsets of revoked partitions whose commit failed (e.g. the coordinator
    /// refused commits during the rebalance); re-applied if the partition comes back.
    private var uncommittedRevoked: [TopicPartition: Int64] = [:]

    init(configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.channel = KafkaEventChannel(capacity: configuration.maxBufferedBatches)
        self.handle = Mutex(nil)
        super.init(logger: logger)
        let conf = try makeConf(configuration.librdkafkaProperties)
        rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        let rk = try Self.newHandle(type: RD_KAFKA_CONSUMER, conf: conf, secretValues: secretValues)
        self.rk = rk
        rd_kafka_poll_set_consumer(rk)
        self.queue = rd_kafka_queue_get_consumer(rk)

        let topics: [String]
        switch configuration.subscription {
        case .topics(let names): topics = names
        case .regex(let pattern): topics = [pattern.hasPrefix("^") ? pattern : "^" + pattern]
        }
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        for t in topics { rd_kafka_topic_partition_list_add(list, t, sp_rdk_partition_ua()) }
        let err = rd_kafka_subscribe(rk, list)
        rd_kafka_topic_partition_list_destroy(list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_queue_destroy(queue)
            rd_kafka_destroy(rk)
            throw KafkaError(err)
        }
        handle.withLock { $0 = KafkaHandleRef(rk: rk) }
    }

    func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "kafka-consumer"
        thread.start()
    }

    /// Wakes the poll thread out of a consume call or a buffer wait.
    func wake() {
        handle.withLock { h in
            if h != nil, let q = queue { rd_kafka_queue_yield(q) }
        }
        channel.interrupt()
    }

    private var isClosing: Bool { shared.withLock { $0.machine.isClosing } }

    // MARK: poll thread

    private func run() {
        let maxBatch = max(1, configuration.maxBatchSize)
        let messages = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: maxBatch)
        defer { messages.deallocate() }
        var builder = KafkaBatchBuilder(expectedRecords: maxBatch)
        let timeout = Int32(clamping: configuration.pollTimeoutMs)

        // Batches form adaptively: a record is never held back to fill a batch while the
        // processor waits for one (`rd_kafka_consume_batch_queue` with a timeout waits for
        // the timeout *or* a full batch: at 30k records/s that held every record up to
        // 50 ms). While the processor is busy (a batch already waits in the channel) the
        // records gather here, up to `maxBatchSize`, so a loaded processor gets large
        // batches and an idle one small, prompt ones.
        loop: while true {
            if serveCommands() { break loop }
            flushStores()
            revokedDuringCall.removeAll(keepingCapacity: true)
            rebalancesDuringCall = 0
            var n = 0
            if builder.count == 0 {
                // Nothing in hand: block until the first record (or the timeout), then take
                // whatever else is already there.
                n = Int(rd_kafka_consume_batch_queue(queue, timeout, messages, 1))
                if n == 1 && maxBatch > 1 {
                    n += max(0, Int(rd_kafka_consume_batch_queue(queue, 0, messages + 1, maxBatch - 1)))
                }
            } else {
                // Gathering while the processor is busy: look again in 1 ms.
                n = Int(rd_kafka_consume_batch_queue(queue, 1, messages, maxBatch - builder.count))
            }
            if n < 0 {
                logger.warning("rd_kafka_consume_batch_queue failed", metadata: ["errno": "\(errno)"])
                continue
            }
            // Records gathered before a revocation of their partition are never handed over.
            builder.remove(revokedDuringCall)
            var fetched: Set<TopicPartition> = []
            var lastSeen: (rkt: OpaquePointer?, partition: Int32) = (nil, -1)
            for i in 0..<n {
                guard let m = messages[i] else { continue }
                defer { rd_kafka_message_destroy(m) }
                let err = m.pointee.err
                if err == RD_KAFKA_RESP_ERR__PARTITION_EOF, let rkt = m.pointee.rkt {
                    fetched.insert(TopicPartition(topic: String(cString: rd_kafka_topic_name(rkt)), partition: m.pointee.partition))
                    continue
                }
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    handleMessageError(m)
                    continue
                }
                if !revokedDuringCall.isEmpty, let rkt = m.pointee.rkt {
                    let tp = TopicPartition(topic: String(cString: rd_kafka_topic_name(rkt)), partition: m.pointee.partition)
                    if revokedDuringCall.contains(tp) { continue }  // fetched before the revocation
                }
                // Once per run of one partition's records (batches come in runs): cheap.
                if m.pointee.rkt != lastSeen.rkt || m.pointee.partition != lastSeen.partition, let rkt = m.pointee.rkt {
                    lastSeen = (rkt, m.pointee.partition)
                    fetched.insert(TopicPartition(topic: String(cString: rd_kafka_topic_name(rkt)), partition: m.pointee.partition))
                }
                builder.append(m)
            }
            if !fetched.isEmpty {
                fetched.subtract(revokedDuringCall)
                fetchedSinceAssignment.withLock { $0.formUnion(fetched) }
            }
            if builder.count == 0 { continue }
            // Keep gathering while a batch already waits for the processor and there is room.
            if builder.count < maxBatch && channel.bufferedBatchCount > 0 { continue }
            let batch = builder.finish()
            // Backpressure: block until the processor has room, serving commands meanwhile.
            while !channel.waitForSpace(timeoutMs: 100) {
                if serveCommands() { break loop }
            }
            channel.push(.batch(batch))
        }
        shutdown()
    }

    /// Runs queued commands; returns true when the consumer is closing.
    private func serveCommands() -> Bool {
        let (commands, closing) = shared.withLock { s -> ([Command], Bool) in
            let c = s.commands
            s.commands.removeAll()
            return (c, s.machine.isClosing)
        }
        for command in commands {
            switch command {
            case .commit(let continuation):
                flushStores()
                if let error = commitStored() {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume()
                }
            }
        }
        return closing
    }

    /// Hands offsets stored by the processor to librdkafka (`rd_kafka_offsets_store`).
    /// Partitions not assigned any more are rejected by librdkafka (_STATE) and ignored.
    func flushStores() {
        let stores = pendingStores.withLock { p -> [TopicPartition: Int64] in
            if p.isEmpty { return [:] }
            let s = p
            p.removeAll(keepingCapacity: true)
            return s
        }
        if stores.isEmpty { return }
        let list = rd_kafka_topic_partition_list_new(Int32(stores.count))!
        for (tp, offset) in stores {
            let elem = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            elem.pointee.offset = offset
        }
        let err = rd_kafka_offsets_store(rk, list)
        for i in 0..<Int(list.pointee.cnt) {
            let e = list.pointee.elems[i]
            if e.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                lastStored[TopicPartition(topic: String(cString: e.topic), partition: e.partition)] = e.offset
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            for i in 0..<Int(list.pointee.cnt) {
                let e = list.pointee.elems[i]
                if e.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.debug("offset store ignored", metadata: [
                        "partition": "\(String(cString: e.topic))[\(e.partition)]",
                        "offset": "\(e.offset)", "error": "\(KafkaError(e.err))",
                    ])
                }
            }
        }
        rd_kafka_topic_partition_list_destroy(list)
    }

    /// Synchronous commit of all stored offsets; nil on success or when nothing was stored.
    private func commitStored() -> KafkaError? {
        let err = rd_kafka_commit(rk, nil, 0)
        if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET { return nil }
        return KafkaError(err)
    }

    private func handleMessageError(_ m: UnsafeMutablePointer<rd_kafka_message_t>) {
        let err = m.pointee.err
        let text: String
        if let p = rd_kafka_message_errstr(m) {
            text = String(cString: p)
        } else {
            text = String(cString: rd_kafka_err2str(err))
        }
        var fatalBuf = [CChar](repeating: 0, count: 512)
        let fatal = rd_kafka_fatal_error(rk, &fatalBuf, fatalBuf.count)
        if fatal != RD_KAFKA_RESP_ERR_NO_ERROR {
            let msg = fatalBuf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let error = KafkaError(fatal, msg)
            logger.critical("consumer fatal error", metadata: ["error": "\(error)"])
            channel.finish(error: error)
            shared.withLock { $0.machine.fatalError() }
        } else {
            logger.warning("consumer error", metadata: ["error": "\(KafkaError(err, text))"])
        }
    }

    func handleRebalance(_ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        var tps: [TopicPartition] = []
        if let partitions {
            for i in 0..<Int(partitions.pointee.cnt) {
                let e = partitions.pointee.elems[i]
                tps.append(TopicPartition(topic: String(cString: e.topic), partition: e.partition))
            }
        }
        isCooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        rebalancesDuringCall += 1
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("partitions assigned", metadata: ["partitions": "\(tps)"])
            fetchedSinceAssignment.withLock { $0.subtract(tps) }
            let assignment = PartitionAssignment(partitions: tps)
            let action = shared.withLock { $0.machine.rebalanceStarted(assigned: true, tps) }
            var offsets: [TopicPartition: Int64] = [:]
            channel.push(.partitionsAssigned(assignment))
            if action == .deliverAndWait && configuration.acknowledgesRebalances {
                // No timeout: fetching these partitions before the processor restored them
                // would break its state; it logs while it waits (e.g. for its state store).
                offsets = assignment.gate.wait(
                    timeoutMs: nil,
                    onSlow: { ms in self.logger.warning("assignment: still waiting for the processor to restore its partitions", metadata: ["partitions": "\(tps)", "waited_ms": "\(ms)"]) },
                    shouldStop: { isClosing }) ?? [:]
            }
            shared.withLock { $0.machine.rebalanceFinished() }
            if let partitions { reapplyUncommitted(partitions) }
            if let partitions {
                for i in 0..<Int(partitions.pointee.cnt) {
                    let e = partitions.pointee.elems[i]
                    if let o = offsets[TopicPartition(topic: String(cString: e.topic), partition: e.partition)], o >= 0 {
                        partitions.pointee.elems[i].offset = o
                    }
                }
            }
            if isCooperative {
                if let e = rd_kafka_incremental_assign(rk, partitions) {
                    logger.error("incremental assign failed", metadata: ["error": "\(KafkaError(consuming: e))"])
                }
            } else {
                let e = rd_kafka_assign(rk, partitions)
                if e != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.error("assign failed", metadata: ["error": "\(KafkaError(e))"])
                }
            }
            storePendingAfterAssign()
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            logger.info("partitions revoked", metadata: ["partitions": "\(tps)"])
            let revoked = Set(tps)
            fetchedSinceAssignment.withLock { $0.subtract(revoked) }
            revokedDuringCall.formUnion(revoked)
            let revocation = PartitionRevocation(partitions: tps)
            let action = shared.withLock { $0.machine.rebalanceStarted(assigned: false, tps) }
            // Records of these partitions fetched but not yet delivered are dropped first:
            // the processor never saw them, so its stored offsets stay exact and the next
            // owner fetches them again; the revocation reaches it after the batch in hand,
            // not after a backlog it would process only to hand over (a rebalance under load
            // would otherwise outlast `revocationDrainTimeoutMs`).
            channel.purge(revoked)
            channel.push(.partitionsRevoked(revocation))
            if action == .deliverAndWait && configuration.acknowledgesRebalances {
                // Let the processor commit its work for these partitions.
                if revocation.gate.wait(timeoutMs: configuration.revocationDrainTimeoutMs, shouldStop: { isClosing }) == nil,
                   !isClosing {
                    logger.warning("revocation: the processor did not finish in time; letting the partitions go",
                                   metadata: ["partitions": "\(tps)", "timeout_ms": "\(configuration.revocationDrainTimeoutMs)"])
                }
            }
            shared.withLock { $0.machine.rebalanceFinished() }
            flushStores()
            if let e = commitStored() {
                logger.warning("commit on revocation failed; offsets kept for re-assignment", metadata: ["error": "\(e)"])
                for tp in revoked { if let o = lastStored[tp] { uncommittedRevoked[tp] = o } }
            }
            for tp in revoked { lastStored[tp] = nil }
            if isCooperative {
                if let e = rd_kafka_incremental_unassign(rk, partitions) {
                    logger.error("incremental unassign failed", metadata: ["error": "\(KafkaError(consuming: e))"])
                }
            } else {
                rd_kafka_assign(rk, nil)
            }
        default:
            logger.error("rebalance error", metadata: ["error": "\(KafkaError(err))"])
            rd_kafka_assign(rk, nil)
        }
    }

    /// For assigned partitions whose revocation commit failed: start from the offset this
    /// member had stored (if ahead of the group's committed offset) and store it again,
    /// so processed records are not delivered twice.
    private func reapplyUncommitted(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        defer { uncommittedRevoked.removeAll() }
        if uncommittedRevoked.isEmpty { return }
        let query = rd_kafka_topic_partition_list_copy(partitions)!
        defer { rd_kafka_topic_partition_list_destroy(query) }
        let err = rd_kafka_committed(rk, query, 5_000)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            logger.warning("committed offsets query failed", metadata: ["error": "\(KafkaError(err))"])
            return
        }
        let store = rd_kafka_topic_partition_list_new(partitions.pointee.cnt)!
        defer { rd_kafka_topic_partition_list_destroy(store) }
        for i in 0..<Int(partitions.pointee.cnt) {
            let e = partitions.pointee.elems[i]
            let tp = TopicPartition(topic: String(cString: e.topic), partition: e.partition)
            guard let mine = uncommittedRevoked[tp] else { continue }
            let committed = query.pointee.elems[i].offset
            if mine > committed {
                partitions.pointee.elems[i].offset = mine
                rd_kafka_topic_partition_list_add(store, e.topic, e.partition)!.pointee.offset = mine
            }
        }
        if store.pointee.cnt > 0 {
            pendingAfterAssign = rd_kafka_topic_partition_list_copy(store)
        }
    }

    /// Offsets to store right after the next assign (poll thread only).
    private var pendingAfterAssign: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?

    private func storePendingAfterAssign() {
        guard let list = pendingAfterAssign else { return }
        pendingAfterAssign = nil
        _ = rd_kafka_offsets_store(rk, list)
        for i in 0..<Int(list.pointee.cnt) {
            let e = list.pointee.elems[i]
            if e.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                lastStored[TopicPartition(topic: String(cString: e.topic), partition: e.partition)] = e.offset
            }
        }
        rd_kafka_topic_partition_list_destroy(list)
    }

    private func shutdown() {
        flushStores()
        var closeError = commitStored()
        let err = rd_kafka_consumer_close(rk)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && closeError == nil {
            closeError = KafkaError(err)
        }
        handle.withLock { h in
            rd_kafka_queue_destroy(queue)
            rd_kafka_destroy(rk)
            h = nil
        }
        channel.finish()
        let (waiters, commands) = shared.withLock { s -> ([CheckedContinuation<Void, any Error>], [Command]) in
            let w = s.machine.pollThreadExited(closeError)
            let c = s.commands
            s.commands.removeAll()
            return (w, c)
        }
        for case .commit(let c) in commands { c.resume(throwing: KafkaError.closed("consumer")) }
        for w in waiters {
            if let closeError { w.resume(throwing: closeError) } else { w.resume() }
        }
        logger.debug("consumer closed")
    }
}

private let kafkaRebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { _, err, partitions, opaque in
    guard let opaque else { return }
    let core = Unmanaged<KafkaHandleContext>.fromOpaque(opaque).takeUnretainedValue()
    (core as? KafkaConsumerCore)?.handleRebalance(err, partitions)
}

extension KafkaConsumerCore {
    /// See ``KafkaConsumer/lag()``: the log end minus the position (the log start before the
    /// first record), from ``partitionOffsets()``. Any thread.
    func lag() -> [TopicPartition: Int64] {
        partitionOffsets().compactMapValues { o in
            let position = o.position ?? o.low
            return position >= 0 ? max(0, o.high - position) : nil
        }
    }

    /// See ``KafkaConsumer/partitionOffsets()``. Any thread (guarded by `handle`).
    func partitionOffsets() -> [TopicPartition: KafkaConsumer.PartitionOffsets] {
        handle.withLock { h -> [TopicPartition: KafkaConsumer.PartitionOffsets] in
            guard let rk = h?.rk else { return [:] }
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
            guard rd_kafka_assignment(rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_position(rk, list)
            let fetched = fetchedSinceAssignment.withLock { $0 }
            var result: [TopicPartition: KafkaConsumer.PartitionOffsets] = [:]
            for i in 0..<Int(list.pointee.cnt) {
                let e = list.pointee.elems[i]
                var low: Int64 = -1
                var high: Int64 = -1
                guard rd_kafka_get_watermark_offsets(rk, e.topic, e.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                      high >= 0 else { continue }
                let tp = TopicPartition(topic: String(cString: e.topic), partition: e.partition)
                result[tp] = KafkaConsumer.PartitionOffsets(position: e.offset >= 0 ? e.offset : nil, low: low, high: high,
                                                            fetchedSinceAssignment: fetched.contains(tp))
            }
            return result
        }
    }
}
