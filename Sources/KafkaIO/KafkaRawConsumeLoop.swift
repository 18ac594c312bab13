import CLibrdkafka
import Foundation

/// Baseline for `bench consume-speed`: librdkafka's high-level consumer driven by a plain
/// loop of C calls (`rd_kafka_consumer_poll` per message), no wrapper in between.
public enum KafkaRawConsumeLoop {
    /// Joins `groupID`, subscribes to `topic` from the earliest offset and polls until
    /// `count` messages arrived. Returns the seconds from the first message to the
    /// `count`-th (group join excluded) and the payload bytes seen.
    /// Throws `KafkaError` on configuration errors or after `timeoutMs` ms without
    /// reaching `count`.
    public static func run(bootstrapServers: String, groupID: String, topic: String, count: Int,
                           timeoutMs: Int = 120_000) throws -> (seconds: Double, bytes: Int) {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(code: -1, message: "conf") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (k, v) in [("bootstrap.servers", bootstrapServers), ("group.id", groupID),
                       ("auto.offset.reset", "earliest"), ("enable.auto.commit", "false"),
                       ("enable.partition.eof", "false")] {
            guard rd_kafka_conf_set(conf, k, v, &errstr, errstr.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: KafkaError.invalidArgCode, message: "\(k)=\(v)")
            }
        }
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: -1, message: "rd_kafka_new failed")
        }
        defer {
            rd_kafka_consumer_close(rk)
            rd_kafka_destroy(rk)
        }
        rd_kafka_poll_set_consumer(rk)
        let list = rd_kafka_topic_partition_list_new(1)
        rd_kafka_topic_partition_list_add(list, topic, sp_rdk_partition_ua())
        let err = rd_kafka_subscribe(rk, list)
        rd_kafka_topic_partition_list_destroy(list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }

        var received = 0
        var bytes = 0
        var start: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while received < count {
            guard let m = rd_kafka_consumer_poll(rk, 100) else {
                if ContinuousClock.now > deadline { throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "raw loop: \(received)/\(count)") }
                continue
            }
            if m.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                if start == nil { start = .now }
                received += 1
                bytes += m.pointee.len
            }
            rd_kafka_message_destroy(m)
        }
        let elapsed = ContinuousClock.now - start!
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, bytes)
    }
}
