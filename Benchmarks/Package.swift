// swift-tools-version:6.1
// Micro-benchmarks of receiptd's hot path, with ordo-one/benchmark. A package of its
// own, so `swift test` of the main package never builds it.
//
//   cd Benchmarks && swift package benchmark
//   cd Benchmarks && swift package benchmark --filter "decode.*"
import PackageDescription

let package = Package(
    name: "receiptd-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "receiptd", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ReceiptMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ReceiptBenchKit", package: "receiptd"),
            ],
            path: "Benchmarks/ReceiptMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
