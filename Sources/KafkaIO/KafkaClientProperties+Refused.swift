extension KafkaClientProperties {
    /// Why the processor refuses `key` in client properties, or nil when the key is the
    /// operator's to set. The check ignores case and a leading `topic.` (librdkafka applies
    /// `topic.`-prefixed names to the default topic configuration), so aliases cannot slip by.
    ///
    /// Refused, because the processor owns them:
    /// - `bootstrap.servers`, `metadata.broker.list`: given by `--brokers`;
    /// - `group.id`: given by `--group`;
    /// - `enable.auto.commit`, `auto.commit.enable`, `auto.commit.interval.ms`,
    ///   `enable.auto.offset.store`, `offset.store.*`: offsets are stored only for processed
    ///   records and committed after the state store (README "Delivery");
    /// - `auto.offset.reset`: a partition without a stored offset starts at the earliest
    ///   record so no scan is skipped (the processor sets it; a wrong value would silently
    ///   skip or fail partitions);
    /// - `isolation.level`: the processor reads committed records only (`read_committed`);
    /// - `enable.partition.eof`: the consumer sets it on and consumes the events itself
    ///   (``KafkaConsumer/PartitionOffsets/fetchedSinceAssignment``);
    /// - `enable.idempotence`, `transactional.id`, `acks`, `request.required.acks`: the output
    ///   topics' effectively-once guarantee needs idempotent production with acks=all, and no
    ///   Kafka transactions;
    /// - callbacks and opaque pointers (`*_cb`, `*callback*`, `opaque`, `interceptors`,
    ///   `default_topic_conf`, `msg_order_cmp`), `log.queue` and `enabled_events`: the
    ///   processor installs its own log, error, rebalance and delivery handling;
    /// - `plugin.library.paths`: loads native code into the processor.
    public static func refusalReason(forKey key: String) -> String? {
        var k = key.lowercased()
        if k.hasPrefix("topic.") { k.removeFirst("topic.".count) }
        switch k {
        case "bootstrap.servers", "metadata.broker.list":
            return "the brokers are given by --brokers"
        case "group.id":
            return "the consumer group is given by --group"
        case "enable.auto.commit", "auto.commit.enable", "auto.commit.interval.ms":
            return "the processor commits offsets itself, after its state store (exactly-once delivery)"
        case "enable.auto.offset.store":
            return "the processor stores offsets only for records it has processed"
        case "auto.offset.reset":
            return "the processor starts a partition without a stored offset at the earliest record, so no scan is skipped"
        case "isolation.level":
            return "the processor reads committed records only (read_committed)"
        case "enable.partition.eof":
            return "the consumer turns partition EOF events on and consumes them itself (caught-up detection)"
        case "enable.idempotence", "transactional.id", "acks", "request.required.acks":
            return "output records are produced idempotently with acks=all and without Kafka transactions (effectively-once by key)"
        case "opaque", "interceptors", "default_topic_conf", "msg_order_cmp", "log.queue", "enabled_events":
            return "the processor installs its own callbacks, opaque pointer and event routing"
        case "plugin.library.paths":
            return "loading native plugins into the processor is not allowed"
        default:
            break
        }
        if k.hasPrefix("offset.store.") {
            return "the processor stores offsets only for records it has processed"
        }
        if k.hasSuffix("_cb") || k.contains("callback") {
            return "the processor installs its own callbacks, opaque pointer and event routing"
        }
        return nil
    }
}
