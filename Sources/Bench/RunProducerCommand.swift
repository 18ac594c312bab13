/// What every ``RunProducer`` child of one `bench run` shares: the `bench` executable and
/// where it produces.
struct RunProducerCommand {
    /// Path of the `bench` executable (this process's own).
    let benchPath: String
    /// Kafka bootstrap servers (the mock broker child's address or `--brokers`).
    let brokers: String
    /// Input topic.
    let topic: String
    /// librdkafka properties file for the producer (`--kafka-config`), if any.
    let kafkaConfig: String?
}
