// swift-tools-version: 6.1
import PackageDescription

// One module per concern; dependencies point one way (README, "Layout"):
//
//   Aggregates ← ScanRules ← StreamProc → KafkaIO
//                              ↓    ↘
//                          LiveView   StateStore
//   LoadKit (load generator, test signers, demo data, capacity plan) → ScanRules, KafkaIO, LiveView
//   streamproc, bench (thin executables) → StreamProc, LoadKit
//
// The library product `StreamProc` never reaches LoadKit.
let package = Package(
    name: "streamproc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "streamproc", targets: ["streamproc"]),
        .executable(name: "bench", targets: ["Bench"]),
        .library(name: "StreamProc", targets: ["StreamProc"]),
        .library(name: "ScanRules", targets: ["ScanRules"]),
        .library(name: "Aggregates", targets: ["Aggregates"]),
        .library(name: "StateStore", targets: ["StateStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Window counters: pure Swift, no dependencies, no I/O (the hottest code).
        .target(name: "Aggregates"),
        // Exactly-once state outside Kafka (issue 10): PostgreSQL or in-memory.
        .target(
            name: "StateStore",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Schema.md"]
        ),
        // C shims.
        .systemLibrary(name: "CLibrdkafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibcrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // Decoding, verification, verdicts (spec §2–§6), rule 7, reference data: no Kafka, HTTP or load code.
        .target(
            name: "ScanRules",
            dependencies: ["Aggregates", "CLibcrypto", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The librdkafka client: consumer (own poll thread), producer, mock cluster.
        .target(
            name: "KafkaIO",
            dependencies: ["CLibrdkafka", .product(name: "Logging", package: "swift-log")]
        ),
        // HTTP live view, dashboard (files embedded in the binary), Prometheus metrics.
        .target(
            name: "LiveView",
            dependencies: [
                "Aggregates",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Dashboard/index.html"), .embedInCode("Dashboard/dashboard.css"), .embedInCode("Dashboard/dashboard.js")]
        ),
        // The main job: pipeline, outputs, live state.
        .target(
            name: "StreamProc",
            dependencies: [
                "Aggregates", "ScanRules", "KafkaIO", "LiveView", "StateStore", "CMalloc",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]
        ),
        // Load generator, test-only signers, demo data, capacity plan, chart: executables and tests only.
        .target(
            name: "LoadKit",
            dependencies: [
                "Aggregates", "ScanRules", "KafkaIO", "LiveView", "CLibcrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Shared test fixtures: the `../shared` folder, the Kafka test cluster.
        .target(
            name: "StreamProcTesting",
            dependencies: ["KafkaIO", .product(name: "Logging", package: "swift-log")],
            path: "Tests/StreamProcTesting"
        ),
        .executableTarget(
            name: "streamproc",
            dependencies: [
                "StreamProc", "LoadKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "StreamProc", "LoadKit", "StateStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "AggregatesTests", dependencies: ["Aggregates"]),
        .testTarget(name: "ScanRulesTests", dependencies: ["ScanRules", "LoadKit", "StreamProcTesting"]),
        .testTarget(name: "KafkaIOTests", dependencies: ["KafkaIO", "StreamProcTesting"]),
        .testTarget(
            name: "LiveViewTests",
            dependencies: ["LiveView", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(name: "LoadKitTests", dependencies: ["LoadKit", "StreamProcTesting",
                                                          .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "StateStoreTests",
                    dependencies: ["StateStore", .product(name: "PostgresNIO", package: "postgres-nio")]),
        .testTarget(
            name: "StreamProcTests",
            dependencies: ["StreamProc", "LoadKit", "StreamProcTesting", "StateStore",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
