// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The HCL parser's libFuzzer target, a package of its own so that only it is built with
/// `-sanitize=fuzzer`: `scripts/fuzz-hcl` builds and runs it.
///
/// It depends on the main package by path (`..`). A path dependency's identity is its directory's
/// name in lower case, and the checkout may be called anything, so the manifest reads it.
let corralDirectory = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let corralPackage = corralDirectory.lastPathComponent.lowercased()

let package = Package(
    name: "corral-fuzz",
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // libFuzzer's header (it ships none).
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "FuzzHCL",
            dependencies: ["CLibFuzzer", .product(name: "CorralJobspec", package: corralPackage)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
