// swift-tools-version:6.1
import PackageDescription

/// corral: a container-isolating task runtime for Linux.
///
/// Layers (docs/architecture.md, section 2), lowest first:
/// - `CCorralLaunch`: the only code that runs between `clone` and `execve` (C, raw syscalls, no malloc).
/// - `CCgroupFinish`: the supervisor's end of a task's cgroup (final readings, kill, removal), in C.
/// - `CExitRecord`: the supervisor's `exit.json` writer, in C (read back by `TaskExit`).
/// - `corral-supervisor`: the small C program every task's supervisor `execve`s into.
/// - `corral-probe`: a small C program the escape-probe tests run inside confined tasks.
/// - `CCorralHost`: host-side wrappers for syscalls and macros Swift's Glibc module lacks.
/// - `CSeccomp`, `CCap`: libseccomp and libcap through pkg-config.
/// - `CNoSwiftRuntime`: what the freestanding C programs (supervisor, init, exec, probe) link instead
///   of the Swift runtime.
/// - `CorralResourceTypes`: the values the driver API and the cgroup and isolation layers share (byte
///   counts, device mappings, resource usage); no dependencies, so that the driver API needs no
///   cgroup layer.
/// - `CorralCgroups`: cgroup v1 and v2 managers: limits, placement, stats, OOM, kill, removal.
/// - `CorralSpelling`: "did you mean" suggestions (edit distance) for job files, the agent's configuration
///   and `corral isolate`'s options.
/// - `CorralJSON`: a small JSON parser (line:column errors, 64-bit integers) and writer, without Foundation.
/// - `CorralSeccomp`: seccomp profiles (Docker's JSON format) compiled to BPF with libseccomp.
/// - `CorralHostFS`: host-side access to what a task can write (allocation directories, images): no
///   link followed, no blocking open, bounded reads, iterative removal.
/// - `CorralIsolation`: launch plans, the launcher, users, rlimits, state directories (Swift).
/// - `CorralDriver`: the driver API the runner uses (`TaskDriver`, `TaskConfig`, `TaskHandle`…) and
///   the `mock` driver.
/// - `CorralExecDriver`: the `exec` (isolated) and `raw_exec` drivers over `CorralIsolation`.
/// - `CorralRunner`: the task runner (TaskRunner, AllocRunner, restart policy, kill, hooks, events,
///   environment, metrics, the state store protocol); pure Swift over `CorralDriver`.
/// - `CorralRunnerStore`: the runner's SQLite state store (GRDB).
/// - `CorralRunnerTestSupport`: the runner's test doubles (manual clock, in-memory store), for tests only.
/// - `CorralTestFiles`: files tests write and read (executables for tasks, /proc files), for tests only.
/// - `CorralAllocDir`: allocation directories on the host, `secrets/` as a tmpfs.
/// - `CorralJobspec`: job files (HCL native syntax and Nomad's HCL-as-JSON) parsed into a `Job`.
/// - `corral-exec`: a freestanding program of a few KiB (no libc) every task execs from a sealed copy right
///   before its command, so that no host executable is ever the task's `/proc/self/exe`.
/// - `corral-init`: the minimal PID 1 (`init = true`), run from a sealed copy: reaps and forwards signals.
/// - `CorralAPI`: the agent's HTTP API bodies (JSON), shared by the agent and its clients.
/// - `CorralAgent`: `corral agent`: allocations of submitted jobs under one runtime, restored across its
///   restarts, served over HTTP (Hummingbird) with Prometheus metrics.
/// - `CorralClient`: the agent's client over a unix socket or TCP, with TLS (SwiftNIO's HTTP/1.1 and WebSocket codecs, NIOSSL).
/// - `CorralIsolateCLI`: `corral isolate`'s options and foreground run, over `CorralIsolation` alone.
/// - `CorralCLI`: the command-line interface: every verb (`isolate` from `CorralIsolateCLI`).
/// - `corral`: the lean executable users run: it answers `isolate` and `--version` itself and hands
///   every other verb to `corral-cli` (the full CLI, with the agent's dependencies) by `execve`, so that
///   a one-shot start never pays for loading what only the agent needs (docs/architecture.md).
let package = Package(
    name: "corral",
    products: [
        .executable(name: "corral", targets: ["corral"]),
        .executable(name: "corral-cli", targets: ["corral-cli"]),
        .executable(name: "corral-supervisor", targets: ["corral-supervisor"]),
        .executable(name: "corral-init", targets: ["corral-init"]),
        .executable(name: "corral-exec", targets: ["corral-exec"]),
        // For the parser's fuzzer (Fuzz/, a package of its own built with -sanitize=fuzzer).
        .library(name: "CorralJobspec", targets: ["CorralJobspec"]),
    ],
    dependencies: [
        // Up to the next minor only: `corral isolate` uses the experimental `_superCommandName`.
        .package(url: "https://github.com/apple/swift-argument-parser", .upToNextMinor(from: "1.8.2")),
        // The runner's persisted state: SQLite through GRDB (WAL, migrations, typed errors).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The runner's counters and gauges; the agent exports them (Prometheus) in a later layer.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The agent (issue 8). Hummingbird without its default traits: they only add swift-configuration
        // and full-Foundation form coding, which corral does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // TLS for the agent's TCP listener (HummingbirdTLS on the server) and for its client.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .target(name: "CCorralLaunch", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CCorralHost", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CNoSwiftRuntime"),
        // What the supervisor does with the task's cgroup after the task: final readings, kill, removal.
        // A library of its own so that one test suite holds it and the Swift side to the same cases.
        .target(name: "CCgroupFinish", cSettings: [.define("_GNU_SOURCE")]),
        // The supervisor's exit.json: a library of its own so that a test holds its spelling to TaskExit's reading.
        .target(name: "CExitRecord", dependencies: ["CCgroupFinish"], cSettings: [.define("_GNU_SOURCE")]),
        .executableTarget(name: "corral-supervisor", dependencies: ["CNoSwiftRuntime", "CCgroupFinish", "CExitRecord"],
                          cSettings: [.define("_GNU_SOURCE")]),
        // Test-only (not a product): the supervisor's cgroup release as a program, for CgroupReleaseTests.
        .executableTarget(name: "corral-cgroup-release", dependencies: ["CNoSwiftRuntime", "CCgroupFinish"],
                          cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.unsafeFlags(["-static-executable"])]),
        // Static: it runs inside images that may have no libc at all.
        .executableTarget(name: "corral-init", dependencies: ["CNoSwiftRuntime"], cSettings: [.define("_GNU_SOURCE")],
                          linkerSettings: [.unsafeFlags(["-static-executable"])]),
        // Freestanding (no libc, no start-up files): on every start's critical path, its exec must cost
        // the kernel's work alone. `-static-executable` keeps the Swift runtime's libraries off the line
        // (static archives: nothing is pulled in that nothing calls); CNoSwiftRuntime satisfies swiftrt.o.
        .executableTarget(name: "corral-exec", dependencies: ["CNoSwiftRuntime"],
                          cSettings: [.unsafeFlags(["-ffreestanding", "-fno-stack-protector", "-fno-builtin", "-fno-pie"])],
                          linkerSettings: [.unsafeFlags(["-static-executable", "-Xclang-linker", "-nostdlib",
                                                         "-Xclang-linker", "-nostartfiles", "-Xclang-linker", "-no-pie"])]),
        // The escape-probe suite's agent, run inside confined tasks by the integration tests.
        .executableTarget(name: "corral-probe", dependencies: ["CNoSwiftRuntime"], cSettings: [.define("_GNU_SOURCE")],
                          linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .target(name: "CorralResourceTypes"),
        .target(name: "CorralCgroups", dependencies: ["CorralResourceTypes", "CCorralHost"]),
        // A small JSON parser and writer: what the one-shot path reads and writes, without Foundation.
        .target(name: "CorralJSON"),
        .target(name: "CorralSpelling"),
        .target(name: "CorralSeccomp", dependencies: ["CSeccomp", "CorralJSON"]),
        // Reading and removing what a task can write, without following its links or trusting its sizes.
        .target(name: "CorralHostFS", dependencies: ["CCorralHost"]),
        .target(name: "CorralIsolation", dependencies: ["CorralResourceTypes", "CorralCgroups", "CorralSeccomp", "CorralHostFS", "CorralJSON", "CCorralLaunch", "CCorralHost", "CCap"]),
        .target(name: "CorralDriver", dependencies: ["CorralResourceTypes"]),
        .target(name: "CorralExecDriver", dependencies: ["CorralResourceTypes", "CorralDriver", "CorralIsolation", "CorralCgroups", "CorralHostFS", "CCorralHost"]),
        // The runner core: pure Swift over the driver API; never Glibc or a C target (a test checks).
        .target(name: "CorralRunner", dependencies: [
            "CorralDriver",
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // Test doubles of the runner's seams (a manual clock, an in-memory store, plain task directories):
        // for test targets only, never linked into a product.
        .target(name: "CorralRunnerTestSupport", dependencies: ["CorralRunner"]),
        // Files tests write and read: executables for tasks (close-on-exec writes), /proc read to its end. Tests only.
        .target(name: "CorralTestFiles"),
        // The runner's SQLite state store.
        .target(name: "CorralRunnerStore", dependencies: ["CorralRunner", .product(name: "GRDB", package: "GRDB.swift")]),
        // Job files: an HCL parser (lexer + recursive descent) and Nomad's HCL-as-JSON, to `Job`.
        .target(name: "CorralJobspec", dependencies: ["CorralRunner", "CorralDriver", "CorralJSON", "CorralSpelling"]),
        // Host effects the runner delegates: allocation directories with a tmpfs `secrets/`.
        .target(name: "CorralAllocDir", dependencies: ["CorralRunner", "CorralHostFS"]),
        // The agent's API bodies: plain Codable values over the runner's types.
        .target(name: "CorralAPI", dependencies: ["CorralRunner", "CorralDriver"]),
        // `corral agent`: the allocations of submitted jobs, their persistence and recovery, the HTTP API.
        .target(name: "CorralAgent", dependencies: [
            "CorralAPI", "CorralRunner", "CorralRunnerStore", "CorralAllocDir", "CorralDriver", "CorralExecDriver",
            "CorralJobspec", "CorralSpelling", "CCorralHost", "CorralHostFS",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // The agent's client: HTTP/1.1 and WebSocket over a unix socket or TCP, on SwiftNIO's codecs.
        .target(name: "CorralClient", dependencies: [
            "CorralAPI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // `corral isolate`: linked into the lean `corral` executable, so nothing the agent needs belongs here.
        // Its options are parsed by hand from one table (IsolateOptionTable.swift), not by ArgumentParser.
        .target(name: "CorralIsolateCLI", dependencies: ["CorralResourceTypes", "CorralIsolation", "CorralCgroups", "CorralSpelling", "CCorralHost"]),
        .target(name: "CorralCLI", dependencies: [
            "CorralIsolateCLI",
            "CorralIsolation",
            "CorralCgroups",
            "CorralDriver",
            "CorralExecDriver",
            "CorralRunner",
            "CorralRunnerStore",
            "CorralAllocDir",
            "CorralHostFS",
            "CorralJobspec",
            "CorralAPI",
            "CorralAgent",
            "CorralClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .executableTarget(name: "corral", dependencies: ["CorralIsolateCLI", "CorralIsolation", "CCorralHost"]),
        .executableTarget(name: "corral-cli", dependencies: ["CorralCLI", "CCorralHost"]),
        .testTarget(name: "CorralIsolationTests", dependencies: ["CorralIsolation", "CorralResourceTypes", "CExitRecord", "CCgroupFinish"]),
        // The host file-system primitives against planted links, FIFOs, devices, sparse files, deep trees.
        .testTarget(name: "CorralHostFSTests", dependencies: ["CorralHostFS", "CCorralHost"]),
        .testTarget(name: "CorralCgroupsTests", dependencies: ["CorralCgroups", "CorralResourceTypes"]),
        .testTarget(name: "CorralSeccompTests", dependencies: ["CorralSeccomp", "CorralJSON"]),
        .testTarget(name: "CorralDriverTests", dependencies: ["CorralDriver"]),
        // Drives the exec and raw_exec drivers in-process; needs root (skips with the reason otherwise).
        .testTarget(name: "CorralExecDriverTests", dependencies: ["CorralResourceTypes", "CorralExecDriver", "CorralDriver", "CorralCgroups", "CCorralHost", "CorralTestFiles"]),
        .testTarget(name: "CorralRunnerTests", dependencies: [
            "CorralRunner", "CorralRunnerTestSupport", "CorralDriver",
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "CorralJobspecTests", dependencies: ["CorralJobspec", "CorralRunner", "CorralDriver", "CorralExecDriver"]),
        .testTarget(name: "CorralRunnerStoreTests", dependencies: ["CorralRunnerStore", "CorralRunner", "CorralDriver"]),
        // The runner over the exec driver, the host task directory and SQLite; needs root (skips otherwise).
        .testTarget(name: "CorralRunnerIntegrationTests", dependencies: [
            "CorralTestFiles", "CorralRunner", "CorralRunnerStore", "CorralAllocDir", "CorralExecDriver", "CorralDriver",
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // The agent over the mock driver, served on a temporary socket and driven through the client.
        .testTarget(name: "CorralAgentTests", dependencies: [
            "CorralAgent", "CorralRunnerTestSupport", "CorralClient", "CorralHostFS", "CorralAPI", "CorralRunner", "CorralDriver", "CorralJobspec",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The CLI's option parsing and output, and the agent's client against a tiny NIO server on a temporary socket.
        .testTarget(name: "CorralCLITests", dependencies: [
            "CorralCLI", "CorralIsolateCLI", "CorralIsolation", "CorralCgroups", "CorralHostFS", "CCorralHost", "CorralClient", "CorralAPI", "CorralRunner", "CorralJobspec",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        // Drives the built `corral` binary; needs root (skips with the reason otherwise).
        .testTarget(name: "CorralIntegrationTests", dependencies: ["CCorralHost", "CorralCgroups", "CorralTestFiles"]),
    ],
    swiftLanguageModes: [.v6]
)
