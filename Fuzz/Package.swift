// swift-tools-version: 6.1
import PackageDescription

// The libFuzzer harness of the decoder, the verdict engine and the key-registry parser
// (issue 12 Must 7). A package of its own, outside the main build: `swift build` and
// `swift test` in the repository never see it. Built and run by `scripts/fuzz.sh`, with
// `-sanitize=fuzzer,address -parse-as-library` (libFuzzer supplies `main`).
let package = Package(
    name: "streamproc-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "streamproc", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzDecoder",
            dependencies: [.product(name: "ScanRules", package: "streamproc")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
