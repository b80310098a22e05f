// swift-tools-version:6.0
import PackageDescription

// The fuzz targets build LossLab's parser modules from the main package's sources (through
// the symlinks in Modules/), because the main package exports only the `losslab`
// executable, and so that `--sanitize fuzzer` instruments the code under test too.
let package = Package(
    name: "LossLabFuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Modules/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib"),
        .target(name: "CRankingKernels", path: "Modules/CRankingKernels"),
        .target(name: "CBatchKernels", path: "Modules/CBatchKernels"),
        .target(
            name: "LossKit", dependencies: ["COpenBLAS", "CRankingKernels", "CBatchKernels", .product(name: "RealModule", package: "swift-numerics")],
            path: "Modules/LossKit"),
        .target(name: "LossData", dependencies: ["LossKit", "CZlib"], path: "Modules/LossData"),
        .target(name: "LossSession", dependencies: ["LossKit", "LossData"], path: "Modules/LossSession"),
        .target(name: "FuzzSupport", dependencies: ["LossData"]),
        .executableTarget(name: "FuzzNpy", dependencies: ["FuzzSupport", "LossData"]),
        .executableTarget(name: "FuzzNpz", dependencies: ["FuzzSupport", "LossData"]),
        .executableTarget(name: "FuzzTable", dependencies: ["FuzzSupport", "LossData"]),
        .executableTarget(name: "FuzzJSONL", dependencies: ["FuzzSupport", "LossData"]),
        .executableTarget(name: "FuzzCommand", dependencies: ["FuzzSupport", "LossSession"]),
        .executableTarget(name: "FuzzSession", dependencies: ["LossSession", "LossKit"]),
    ],
    swiftLanguageModes: [.v6]
)
