// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way: Aggregates <- StreamProc <- (streamproc, Bench).
let package = Package(
    name: "streamproc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "streamproc", targets: ["streamproc"]),
        .executable(name: "bench", targets: ["Bench"]),
        .library(name: "StreamProc", targets: ["StreamProc"]),
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
        // Window counters: pure Swift, no dependencies, no I/O.
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
        // The processor.
        .target(
            name: "StreamProc",
            dependencies: [
                "Aggregates", "CLibrdkafka", "CLibcrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]
        ),
        .executableTarget(
            name: "streamproc",
            dependencies: [
                "StreamProc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "StreamProc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "AggregatesTests", dependencies: ["Aggregates"]),
        .testTarget(name: "StateStoreTests", dependencies: ["StateStore"]),
        .testTarget(
            name: "StreamProcTests",
            dependencies: ["StreamProc", .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
