import CLibrdkafka
import Foundation
import Logging
import Synchronization
import Testing
@testable import KafkaIO
import StreamProcTesting

@Suite("Kafka client properties (issue 13 item 1)")
struct KafkaClientPropertiesTests {
    /// Reads property `key` back from a built `rd_kafka_conf_t` (`rd_kafka_conf_get`).
    static func confValue(_ conf: OpaquePointer, _ key: String) -> String? {
        var size = 0
        guard rd_kafka_conf_get(conf, key, nil, &size) == RD_KAFKA_CONF_OK else { return nil }
        var buf = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, key, &buf, &size) == RD_KAFKA_CONF_OK else { return nil }
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    @Test("comments, blank lines, whitespace, CRLF and '=' inside values")
    func parsesFile() throws {
        let text = "# SASL over TLS\n\n  security.protocol = SASL_SSL  \r\n\t# indented comment\nsasl.mechanism=SCRAM-SHA-512\nsasl.username = svc-streamproc\nsasl.password= pa=ss#word== \n"
        let props = try KafkaClientProperties(parsing: text, source: "client.properties")
        #expect(props.entries.map(\.key) == ["security.protocol", "sasl.mechanism", "sasl.username", "sasl.password"])
        #expect(props.entries.map(\.value) == ["SASL_SSL", "SCRAM-SHA-512", "svc-streamproc", "pa=ss#word=="])
        #expect(props.entries.map(\.line) == [3, 5, 6, 7])
        #expect(props.source == "client.properties")
        try props.validate()
    }

    @Test("syntax errors name the file and the line")
    func syntaxErrors() throws {
        #expect(throws: KafkaClientPropertiesError.syntax(source: "f.properties", line: 3, problem: "expected key=value, found no '='")) {
            try KafkaClientProperties(parsing: "# c\nclient.id=a\nsecurity.protocol SSL\n", source: "f.properties")
        }
        #expect(throws: KafkaClientPropertiesError.syntax(source: "f.properties", line: 2, problem: "empty key before '='")) {
            try KafkaClientProperties(parsing: "client.id=a\n = b\n", source: "f.properties")
        }
        #expect(throws: KafkaClientPropertiesError.syntax(source: "f.properties", line: 4,
                                                         problem: "'client.id' is repeated (first set on line 1)")) {
            try KafkaClientProperties(parsing: "client.id=a\n\n#\nclient.id=b\n", source: "f.properties")
        }
        let error = KafkaClientPropertiesError.syntax(source: "f.properties", line: 3, problem: "expected key=value, found no '='")
        #expect(error.description == "f.properties:3: expected key=value, found no '='")
    }

    @Test("a file is read from disk, a missing one is named")
    func readsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kconf-\(UUID().uuidString).properties").path
        try "client.id=from-file\nsocket.timeout.ms=45000\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let props = try KafkaClientProperties(contentsOfFile: path)
        #expect(props.source == path)
        #expect(props.entries.map { "\($0.key)=\($0.value)" } == ["client.id=from-file", "socket.timeout.ms=45000"])
        #expect(throws: KafkaClientPropertiesError.unreadable(source: path + ".missing", reason: "no such file")) {
            try KafkaClientProperties(contentsOfFile: path + ".missing")
        }
    }

    @Test("keys the processor owns are refused with the key, the line and why",
          arguments: [
            ("bootstrap.servers", "--brokers"), ("metadata.broker.list", "--brokers"),
            ("group.id", "--group"), ("enable.auto.commit", "commits offsets itself"),
            ("auto.commit.enable", "commits offsets itself"), ("enable.auto.offset.store", "records it has processed"),
            ("auto.offset.reset", "earliest record"), ("topic.auto.offset.reset", "earliest record"),
            ("isolation.level", "read_committed"), ("enable.partition.eof", "partition EOF"),
            ("enable.idempotence", "idempotently"), ("transactional.id", "transactions"), ("acks", "acks=all"),
            ("Group.ID", "--group"), ("dr_msg_cb", "callbacks"), ("rebalance_cb", "callbacks"), ("opaque", "opaque"),
            ("ssl.certificate.verify_cb", "callbacks"), ("log.queue", "callbacks"), ("plugin.library.paths", "native plugins"),
          ])
    func refusedKeys(key: String, why: String) throws {
        let text = "client.id=x\n\(key)=whatever\n"
        do {
            _ = try KafkaClientProperties(parsing: text, source: "p.properties")
            Issue.record("\(key) was accepted")
        } catch let error as KafkaClientPropertiesError {
            guard case .refused(let k, let source, let line, let reason) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(k == key)
            #expect(source == "p.properties")
            #expect(line == 2)
            #expect(reason.contains(why), "\(reason)")
            #expect(error.description.hasPrefix("p.properties:2: '\(key)' may not be set"))
        }
        #expect(throws: KafkaClientPropertiesError.self) { try KafkaClientProperties([(key: key, value: "1")]) }
    }

    @Test("operator keys are allowed", arguments: ["security.protocol", "sasl.mechanism", "ssl.ca.location",
                                                   "client.id", "session.timeout.ms", "debug", "socket.keepalive.enable"])
    func allowedKeys(key: String) {
        #expect(KafkaClientProperties.refusalReason(forKey: key) == nil)
    }

    @Test("unknown keys and bad values: librdkafka's reason, with the key and line")
    func validateUsesLibrdkafka() throws {
        let unknown = try KafkaClientProperties(parsing: "client.id=a\nsasl.pasword=hunter2hunter2\n", source: "u.properties")
        do {
            try unknown.validate()
            Issue.record("unknown key accepted")
        } catch let KafkaClientPropertiesError.rejectedByLibrdkafka(key, source, line, reason) {
            #expect(key == "sasl.pasword")
            #expect(source == "u.properties")
            #expect(line == 2)
            #expect(reason.contains("No such configuration property"), "\(reason)")
        }
        let bad = try KafkaClientProperties(parsing: "security.protocol=SASL_TLS\n", source: "b.properties")
        do {
            try bad.validate()
            Issue.record("bad value accepted")
        } catch let error as KafkaClientPropertiesError {
            guard case .rejectedByLibrdkafka(let key, _, let line, let reason) = error else { Issue.record("\(error)"); return }
            #expect(key == "security.protocol")
            #expect(line == 1)
            #expect(reason.contains("Invalid value \"SASL_TLS\""), "\(reason)")
            #expect(error.description.hasPrefix("b.properties:1: librdkafka refused 'security.protocol': Invalid value"))
        }
        let badNumber = try KafkaClientProperties([(key: "socket.timeout.ms", value: "ten")])
        #expect(throws: KafkaClientPropertiesError.self) { try badNumber.validate() }
    }

    @Test("secret keys are recognised by name, case-insensitive")
    func secretKeys() {
        for key in ["sasl.password", "ssl.key.password", "ssl.key.pem", "sasl.oauthbearer.client.secret",
                    "ssl.keystore.password", "SASL.PASSWORD", "sasl.oauthbearer.token.endpoint.url"] {
            #expect(KafkaClientProperties.isSecret(key: key), "\(key)")
        }
        for key in ["sasl.username", "security.protocol", "ssl.ca.location", "client.id"] {
            #expect(!KafkaClientProperties.isSecret(key: key), "\(key)")
        }
    }

    @Test("descriptions, dumps and errors never show a secret value")
    func descriptionRedacts() throws {
        let secret = "Zq9-very-secret-Pw"
        let props = try KafkaClientProperties(parsing: "sasl.username=svc\nsasl.password=\(secret)\nssl.key.pem=-----BEGIN PRIVATE KEY-----abc\n")
        #expect(props.description == "sasl.username=svc\nsasl.password=***\nssl.key.pem=***")
        #expect(!"\(props)".contains(secret))
        #expect(!String(reflecting: props).contains(secret))
        var dumped = ""
        dump(props, to: &dumped)
        #expect(!dumped.contains(secret))
        #expect(!dumped.contains("BEGIN PRIVATE KEY"))
        #expect(props.redact("auth failed for \(secret)!") == "auth failed for ***!")
    }

    @Test("client properties reach librdkafka after the processor's defaults, before extra")
    func reachLibrdkafka() throws {
        let props = try KafkaClientProperties(parsing: """
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            sasl.username=svc-streamproc
            sasl.password=s3cret
            session.timeout.ms=45000
            client.id=from-file
            """, source: "c.properties")
        var consumer = KafkaConsumerConfiguration(bootstrapServers: "k1:9093", groupID: "g", subscription: .topics(["t"]))
        consumer.clientProperties = props
        consumer.extra = ["client.id": "from-extra"]
        let context = KafkaHandleContext(logger: KafkaTestSupport.logger)
        let conf = try context.makeConf(consumer.librdkafkaProperties)
        defer { rd_kafka_conf_destroy(conf) }
        #expect(Self.confValue(conf, "security.protocol") == "sasl_ssl")
        #expect(Self.confValue(conf, "sasl.mechanisms") == "SCRAM-SHA-512")
        #expect(Self.confValue(conf, "sasl.username") == "svc-streamproc")
        #expect(Self.confValue(conf, "session.timeout.ms") == "45000")   // overrides the default 10000
        #expect(Self.confValue(conf, "client.id") == "from-extra")      // extra is applied last
        #expect(Self.confValue(conf, "group.id") == "g")
        #expect(Self.confValue(conf, "enable.auto.offset.store") == "false")
        #expect(context.secretValues == ["s3cret"])

        var producer = KafkaProducerConfiguration(bootstrapServers: "k1:9093")
        producer.clientProperties = props
        let pcontext = KafkaHandleContext(logger: KafkaTestSupport.logger)
        let pconf = try pcontext.makeConf(producer.librdkafkaProperties)
        defer { rd_kafka_conf_destroy(pconf) }
        #expect(Self.confValue(pconf, "security.protocol") == "sasl_ssl")
        #expect(Self.confValue(pconf, "client.id") == "from-file")
        #expect(Self.confValue(pconf, "enable.idempotence") == "true")
    }

    @Test("a property this librdkafka build lacks is refused by validate() with librdkafka's reason")
    func unsupportedInBuild() throws {
        // Debian's librdkafka 2.0.2 is built without libcurl: no OIDC client credentials.
        let props = try KafkaClientProperties(parsing: "sasl.mechanism=OAUTHBEARER\nsasl.oauthbearer.client.secret=OidcSecret-991\n",
                                              source: "oidc.properties")
        do {
            try props.validate()
        } catch let error as KafkaClientPropertiesError {
            guard case .rejectedByLibrdkafka(let key, _, let line, let reason) = error else { Issue.record("\(error)"); return }
            #expect(key == "sasl.oauthbearer.client.secret")
            #expect(line == 2)
            #expect(reason.contains("not supported in this build"), "\(reason)")
            #expect(!error.description.contains("OidcSecret-991"))
        }
    }

    @Test("a secret value is replaced in every librdkafka log line, whatever property shows it")
    func logLinesAreRedacted() async throws {
        // librdkafka prints its own sensitive properties as "[redacted]"; the processor's second
        // layer replaces each secret value wherever it appears. Here the secret is also the
        // client.id, which librdkafka's configuration dump (debug=conf) prints in clear.
        let secret = "Tq2-shared-secret-kconf"
        let props = try KafkaClientProperties([(key: "debug", value: "conf"), (key: "client.id", value: secret),
                                               (key: "ssl.key.password", value: secret)])
        let (logger, capture) = CapturingLogHandler.logger(level: .trace)
        let producer = try KafkaProducer(configuration: {
            var c = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:1")
            c.clientProperties = props
            return c
        }(), logger: logger)
        try await producer.close(timeoutMs: 100)
        let text = capture.text
        #expect(text.contains("client.id = ***"), "\(text.prefix(3000))")
        #expect(!text.contains(secret))
    }

    @Test("a bad TLS file fails at client creation, naming the key; the key password is not shown")
    func clientCreationFails() throws {
        let secret = "Kp-4f9a-secret-pass"
        let props = try KafkaClientProperties(parsing: """
            security.protocol=SSL
            ssl.ca.location=/nonexistent/ca.pem
            ssl.key.password=\(secret)
            """, source: "tls.properties")
        try props.validate()   // rd_kafka_conf_set accepts paths; the file is read at client creation
        var config = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:1")
        config.clientProperties = props
        let (logger, capture) = CapturingLogHandler.logger(level: .trace)
        do {
            _ = try KafkaProducer(configuration: config, logger: logger)
            Issue.record("producer created with a missing CA file")
        } catch let error as KafkaError {
            #expect(error.message.contains("ssl.ca.location"), "\(error.message)")
            #expect(!error.description.contains(secret))
        }
        #expect(!capture.text.contains(secret))
    }

    @Test("no secret in librdkafka's trace-level logs (debug=all) of a real producer and consumer")
    func noSecretInLogs() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, topics: ["kconf": 1], logger: KafkaTestSupport.logger)
        defer { cluster.stop() }
        let secrets = ["Sx7-plain-password-Q", "KeyPass-8812-kconf"]
        // PLAINTEXT with SASL and TLS secrets set: librdkafka keeps (and dumps) them but does not use them.
        let props = try KafkaClientProperties(parsing: """
            debug=all
            client.id=kconf-secret-test
            sasl.username=svc
            sasl.password=\(secrets[0])
            ssl.key.password=\(secrets[1])
            """, source: "secrets.properties")
        try props.validate()
        let (logger, capture) = CapturingLogHandler.logger(level: .trace)

        var pconfig = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        pconfig.clientProperties = props
        pconfig.lingerMs = 1
        let producer = try KafkaProducer(configuration: pconfig, logger: logger)
        try await producer.send(KafkaProducerMessage(topic: "kconf", key: Array("k".utf8), value: Array("v".utf8)))
        try await producer.close()

        var cconfig = KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: "kconf-g",
                                                 subscription: .topics(["kconf"]))
        cconfig.clientProperties = props
        cconfig.sessionTimeoutMs = 6000
        cconfig.heartbeatIntervalMs = 200
        let consumer = try KafkaConsumer(configuration: cconfig, logger: logger)
        let received = try await KafkaTestSupport.values(of: consumer, atLeast: 1)
        try await consumer.close()
        #expect(received == ["v"])

        let text = capture.text
        #expect(capture.count > 100, "debug=all produced only \(capture.count) log lines")
        #expect(text.contains("kconf-secret-test"), "the client's own debug lines are captured")
        for secret in secrets {
            #expect(!text.contains(secret), "secret leaked into logs")
        }
        #expect(!text.contains("Sx7-plain"))
    }
}

/// A swift-log handler that keeps every message and its metadata (for the leak tests).
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
        var count: Int { lines.withLock { $0.count } }
    }

    let store: Store
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let meta = event.metadata.map { "\($0)" } ?? ""
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(meta)") }
    }

    /// A logger at `level` writing into a fresh store.
    static func logger(level: Logger.Level) -> (Logger, Store) {
        let store = Store()
        var logger = Logger(label: "kconf.capture") { _ in CapturingLogHandler(store: store) }
        logger.logLevel = level
        return (logger, store)
    }
}
