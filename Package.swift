// swift-tools-version: 6.2
import PackageDescription

/// Every Loupe target is built in Swift 6 mode with the same strictness.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // The hot path crosses modules (reader -> dissectors -> analyzer) once per packet;
    // without cross-module optimisation none of those calls can be inlined.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "Loupe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        .executable(name: "loupe-agent", targets: ["loupe-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // One wrapper module per C library. libpcap's and libbpf's headers both
        // define `struct bpf_insn`, so they must never share a module.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBPF", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The compiler's prefetch hint (a header, nothing to link).
        .systemLibrary(name: "CPrefetch"),

        // __builtin_prefetch for the flow table (not a library wrapper: a two-line shim).

        // Capture files in and out: pcap/pcapng readers, decompression, record model.
        .target(
            name: "CaptureFormats",
            dependencies: [
                "CZstd", "CZlib", "CPrefetch", .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        // Cluster metadata and bundle layout: kubectl Lists, Loupe sidecars, Retina tarballs,
        // loupe-agent bundles, tar, kernel-event logs. Not a capture format: beside it.
        .target(name: "Bundles", dependencies: ["CaptureFormats"], swiftSettings: strict),
        // Pure, synchronous layer views over packet bytes. No I/O, no state.
        .target(name: "Dissectors", swiftSettings: strict),
        // The report model and its renderers. Never sees a packet.
        .target(name: "Reports", dependencies: [.product(name: "Plot", package: "Plot")], swiftSettings: strict),
        // Stateful analysis: flows, filters, summaries; builds the report model.
        .target(
            name: "Analyzer",
            dependencies: [
                "CaptureFormats", "Bundles", "Dissectors", "Reports", "CPcap", "CPrefetch",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // `loupe check`: rules (YAML) judged against the report model.
        .target(name: "Rules", dependencies: ["Reports", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // Recording on a node (libpcap live capture, eBPF). No protocol parsing.
        // The kernel programs (bpf/*.bpf.c) are compiled by the EmbedBPF plugin and embedded.
        .plugin(name: "EmbedBPF", capability: .buildTool()),
        .target(
            name: "EBPF", dependencies: ["CBPF"], exclude: ["bpf"], swiftSettings: strict,
            plugins: ["EmbedBPF"]),
        .target(
            name: "CaptureAgent",
            dependencies: [
                "CaptureFormats", "Bundles", "Dissectors", "CPcap", "EBPF", "CCurl",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),

        // The exit statuses and parse-error handling both executables share.
        .target(
            name: "CommandLineExit",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "loupe",
            dependencies: [
                "Analyzer", "Reports", "Rules", "CaptureFormats", "Bundles", "CommandLineExit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // The fuzz targets (scripts/fuzz) and their replayer.
        .target(
            name: "FuzzTargets", dependencies: ["Analyzer", "CaptureFormats", "Bundles", "Dissectors", "Reports", "Rules"],
            swiftSettings: strict),
        .executableTarget(name: "loupe-fuzz", dependencies: ["FuzzTargets"], swiftSettings: strict),
        .executableTarget(
            name: "loupe-agent",
            dependencies: [
                "CaptureAgent", "CommandLineExit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .target(
            name: "_TestSupport", dependencies: ["CaptureFormats"], path: "Tests/_TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "CaptureFormatsTests", dependencies: ["CaptureFormats", "Bundles", "_TestSupport"],
            swiftSettings: strict),
        .testTarget(name: "CaptureAgentTests", dependencies: ["CaptureAgent", "Bundles"], swiftSettings: strict),
        .testTarget(name: "DissectorsTests", dependencies: ["Dissectors", "_TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "AnalyzerTests",
            dependencies: ["Analyzer", "Bundles", "_TestSupport", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strict),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Reports"], swiftSettings: strict),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "_TestSupport"], swiftSettings: strict),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "_TestSupport"], swiftSettings: strict),
        // Depends on the executable so `swift build --build-tests` builds the binary it runs.
        .testTarget(
            name: "EndToEndTests", dependencies: ["_TestSupport", "loupe", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
    ]
)
