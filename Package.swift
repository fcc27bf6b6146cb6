// swift-tools-version: 6.2
import PackageDescription

/// aegisd: one daemon that supervises the Aegis platform's PostgreSQL ×3, Redis and Loki.
///
/// The cut (docs/architecture.md): a pure core that decides (`AegisCore`), one module that touches
/// the operating system (`AegisSystem`, with its C shims beside it), the actors that connect the
/// two (`AegisDaemon`), and two thin executables.
let package = Package(
    name: "aegisd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aegisd", targets: ["aegisd"]),
        .executable(name: "aegisctl", targets: ["aegisctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // TLS clients (Loki over https); libssl is the user's choice of TLS library.
        .systemLibrary(name: "CLibSSL", pkgConfig: "libssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CAegisShims"),
        .target(name: "AegisCore"),
        .target(
            name: "AegisSystem",
            dependencies: [
                "AegisCore", "CLibPQ", "CSystemd", "CLibCrypto", "CLibSSL", "CZlib", "CAegisShims",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "AegisDaemon",
            dependencies: [
                "AegisCore", "AegisSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "aegisd",
            dependencies: [
                "AegisCore", "AegisSystem", "AegisDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "aegisctl",
            dependencies: [
                "AegisCore", "AegisSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share (polling for a condition, seeded fuzz input); built for the tests only.
        .target(name: "AegisTestSupport", path: "Tests/AegisTestSupport"),
        .testTarget(name: "AegisCoreTests", dependencies: ["AegisCore", "AegisTestSupport"]),
        .testTarget(
            name: "AegisSystemTests",
            dependencies: ["AegisCore", "AegisSystem", "AegisTestSupport", "CZlib"],
            // The CCTV age vectors, read in place by AgeTestkitVector.
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "AegisDaemonTests",
            dependencies: [
                "AegisCore", "AegisSystem", "AegisDaemon", "AegisTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
