// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "LossLab",
    products: [
        .executable(name: "losslab", targets: ["losslab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS",
            pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib",
            pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CNcursesw", path: "Sources/CNcursesw",
            providers: [.apt(["libncursesw5-dev"])]),
        // The retrieval metrics' AVX-512 scan (Swift cannot target an instruction set per function).
        .target(name: "CRankingKernels", path: "Sources/CRankingKernels"),
        // The training step's batch mining, triplet census and health sums in AVX-512 (same reason).
        .target(name: "CBatchKernels", path: "Sources/CBatchKernels"),
        .target(
            name: "LossKit",
            dependencies: ["COpenBLAS", "CRankingKernels", "CBatchKernels", .product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "LossData", dependencies: ["LossKit", "CZlib"]),
        .target(name: "LossSession", dependencies: ["LossKit", "LossData"]),
        .target(name: "TerminalKit"),
        .target(name: "CursesTerminal", dependencies: ["TerminalKit", "CNcursesw"]),
        .target(name: "Explorer", dependencies: ["LossSession", "LossKit", "LossData", "TerminalKit"]),
        .executableTarget(
            name: "losslab",
            dependencies: [
                "LossKit", "LossData", "LossSession", "CursesTerminal", "TerminalKit", "Explorer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Test-only: glibc's heap statistics (malloc.h is not in Swift's Glibc module).
        .target(name: "HeapProbe", path: "Tests/HeapProbe"),
        .testTarget(name: "LossKitTests", dependencies: ["LossKit", "LossData", "LossSession", "HeapProbe"]),
        .testTarget(name: "LossDataTests", dependencies: ["LossData", "LossKit"], exclude: ["Data"]),
        .testTarget(name: "LossSessionTests", dependencies: ["LossSession", "LossData", "LossKit"]),
        .testTarget(name: "TerminalKitTests", dependencies: ["TerminalKit"], exclude: ["Tools"]),
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "LossSession", "LossKit", "LossData", "TerminalKit"], exclude: ["Screens"]),
        .testTarget(name: "CursesTerminalTests", dependencies: ["CursesTerminal", "TerminalKit"]),
    ],
    swiftLanguageModes: [.v6]
)
