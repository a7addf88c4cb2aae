// swift-tools-version:6.1
import PackageDescription

/// Every Swift target builds in Swift 6 language mode with strict concurrency.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "receiptd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "receiptd", targets: ["receiptd"]),
        .executable(name: "receiptd-bench", targets: ["receiptd-bench"]),
        // For the micro-benchmarks package in Benchmarks/ only: its fixtures come from the
        // end-to-end benchmark's load generator. Nothing here ships in the image.
        .library(name: "ReceiptBenchKit", targets: ["ReceiptBench", "ReceiptCore", "ReceiptRedis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Insecure.SHA1, for the digest Redis names a script by.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries, found with pkg-config. scripts/setup.sh installs them.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The executable's heap: jemalloc, linked, with receiptd's settings
        // (Debian's libjemalloc-dev; scripts/setup.sh installs it).
        .target(name: "CJemalloc", linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]),

        // The one way receiptd starts a thread for blocking C calls.
        .target(name: "ReceiptThreads", swiftSettings: strict),

        // Pure domain: events, validation, read/delivery rules, notifications. No I/O.
        .target(name: "ReceiptCore", swiftSettings: strict),

        // One module per external system; nothing Unsafe leaves them.
        .target(name: "ReceiptKafka", dependencies: ["CRdKafka"], swiftSettings: strict),
        .target(
            name: "ReceiptRedis",
            dependencies: ["CHiredis", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(name: "ReceiptPostgres", dependencies: ["CLibPQ", "ReceiptCore"], swiftSettings: strict),

        // The batch pipeline: a pure state machine plus the threads that drive it.
        .target(
            name: "ReceiptPipeline",
            dependencies: [
                "ReceiptCore", "ReceiptKafka", "ReceiptRedis", "ReceiptPostgres", "ReceiptThreads",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // The HTTP server: health, readiness, Prometheus metrics, the read-only query API.
        .target(
            name: "ReceiptHTTP",
            dependencies: [
                "ReceiptCore", "ReceiptRedis", "ReceiptPostgres", "ReceiptThreads",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),

        // The thin executable: flags and environment → configuration → ServiceGroup.
        .executableTarget(
            name: "receiptd",
            dependencies: [
                "ReceiptPipeline", "ReceiptCore", "ReceiptKafka", "ReceiptHTTP", "ReceiptPostgres", "ReceiptRedis",
                "CJemalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),

        // The end-to-end benchmark (issue 6): load generator, measurement of the real
        // `receiptd run` process, the naive one-event-at-a-time worker, the Redis ceiling.
        // Not part of `swift test`, except the smoke test that runs the built binary.
        .target(
            name: "ReceiptBench",
            dependencies: [
                "ReceiptCore", "ReceiptKafka", "ReceiptRedis", "ReceiptPostgres", "ReceiptPipeline",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/ReceiptBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "receiptd-bench",
            dependencies: ["ReceiptBench", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/receiptd-bench",
            swiftSettings: strict
        ),

        // Shared test support: the local stack's endpoints, proto-json loading, a JSON
        // Schema checker for the subset proto-json uses, and the test doubles: reading
        // notifications back (`Notification.decode`, `JSONValue`) and librdkafka's mock
        // cluster (`KafkaMockCluster`).
        .target(
            name: "TestSupport", dependencies: ["ReceiptCore", "ReceiptKafka", "ReceiptRedis", "CRdKafka"], path: "Tests/TestSupport",
            swiftSettings: strict
        ),

        .testTarget(name: "ReceiptCoreTests", dependencies: ["ReceiptCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ReceiptKafkaTests", dependencies: ["ReceiptKafka", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ReceiptRedisTests", dependencies: ["ReceiptRedis", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ReceiptPostgresTests", dependencies: ["ReceiptPostgres", "ReceiptCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ReceiptThreadsTests", dependencies: ["ReceiptThreads"], swiftSettings: strict),
        .testTarget(name: "ReceiptPipelineTests",
                    dependencies: ["ReceiptPipeline", "ReceiptCore", "ReceiptKafka", "ReceiptRedis", "ReceiptPostgres", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ReceiptHTTPTests",
            dependencies: ["ReceiptHTTP", "ReceiptCore", "ReceiptRedis", "ReceiptPostgres", "TestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ReceiptPipeline", "ReceiptHTTP", "ReceiptCore", "ReceiptKafka", "ReceiptRedis", "ReceiptPostgres",
                           "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
    ]
)
