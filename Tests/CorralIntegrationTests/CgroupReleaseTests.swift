import CorralCgroups
import Foundation
import Testing

/// The end of a task's cgroup is written twice: in C, by the supervisor after the task
/// (`cgroup_release`, Sources/CCgroupFinish), and in Swift, where the supervisor could not
/// (`TaskCgroup.destroy`: a failed launch, a supervisor that died). One suite holds both to the same
/// cases on real cgroups: an empty cgroup, a process left in it, a process in a cgroup the task made
/// below its own, and a process that keeps forking. Each must end with every process killed and
/// every directory gone.
@Suite("Cgroup release: the supervisor's C and the Swift fallback agree (root)",
       .enabled(if: Cgroups.enabled, Comment(rawValue: Cgroups.skipReason ?? "")), .serialized, .timeLimit(.minutes(2)))
struct CgroupReleaseTests {
    enum Implementation: String, CaseIterable, CustomStringConvertible {
        case supervisorC = "C (corral-supervisor)"
        case swiftFallback = "Swift (TaskCgroup.destroy)"
        var description: String { rawValue }
    }

    enum Case: String, CaseIterable, CustomStringConvertible {
        case empty, processLeft = "a process left", processInChild = "a process in a child cgroup",
             forking = "a process that keeps forking"
        var description: String { rawValue }
    }

    static let releaseProgram = Integration.productsDirectory + "/corral-cgroup-release"

    @Test(arguments: Implementation.allCases, Case.allCases)
    func everyProcessIsKilledAndEveryDirectoryRemoved(implementation: Implementation, scenario: Case) throws {
        let parent = "corral-it-release-\(getpid())"
        let name = "release-\(Implementation.allCases.firstIndex(of: implementation)!)-\(Case.allCases.firstIndex(of: scenario)!)"
        let cgroup = try TaskCgroup.create(name: name, parent: parent, limits: CgroupLimits())
        cgroup.placement.close()
        let directories = cgroup.placement.directories
        var spawned: [pid_t] = []
        defer {
            for pid in spawned { kill(pid, SIGKILL); waitpid(pid, nil, 0) }
            try? cgroup.destroy()
            for mount in Cgroups.mounts { rmdir(mount + "/" + parent) }
        }
        switch scenario {
        case .empty:
            break
        case .processLeft:
            spawned.append(try spawn(["/bin/sleep", "1000"], into: directories))
        case .processInChild:
            let children = directories.map { $0 + "/made-by-the-task" }
            for child in children { #expect(mkdir(child, 0o755) == 0, "mkdir \(child): \(errno)") }
            spawned.append(try spawn(["/bin/sleep", "1000"], into: children))
        case .forking:
            spawned.append(try spawn(["/bin/sh", "-c", "while :; do /bin/sleep 1000 & /bin/sleep 0.01; done"], into: directories))
            // Let it fork a few.
            var forked = 0
            for _ in 0..<200 where forked < 5 {
                usleep(10_000)
                forked = processCount(directories[0])
            }
            #expect(forked >= 2, "the shell should have forked by now")
        }

        switch implementation {
        case .supervisorC:
            let status = try run([Self.releaseProgram] + directories)
            #expect(status == 0, "corral-cgroup-release exited \(status)")
        case .swiftFallback:
            try cgroup.destroy()
        }
        for directory in directories {
            #expect(access(directory, F_OK) != 0 && errno == ENOENT, "\(directory) is still there")
        }
        for pid in spawned {
            var status: Int32 = 0
            #expect(waitpid(pid, &status, 0) == pid && (status & 0x7f) == SIGKILL, "pid \(pid) was not killed")
        }
        spawned.removeAll()
    }

    /// Starts `argv` inside every one of `directories`: it waits on a pipe (a shell's `read`, no fork)
    /// until it has been moved, so that nothing it starts can begin outside them. Its output goes to
    /// /dev/null, so that no process the test loses can hold the test runner's output open.
    func spawn(_ argv: [String], into directories: [String]) throws -> pid_t {
        var gate: [Int32] = [0, 0]
        try #require(pipe(&gate) == 0)
        defer { close(gate[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, gate[0], 0)
        posix_spawn_file_actions_addclose(&actions, gate[0])
        posix_spawn_file_actions_addclose(&actions, gate[1])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let waiting = ["/bin/sh", "-c", "read go; exec \"$0\" \"$@\""] + argv
        var pid: pid_t = 0
        let cArgs = waiting.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let rc = posix_spawn(&pid, waiting[0], &actions, nil, cArgs, environ)
        close(gate[0])
        try #require(rc == 0, "posix_spawn \(argv[0]): \(rc)")
        for directory in directories {
            let written = (try? "\(pid)\n".write(toFile: directory + "/cgroup.procs", atomically: false, encoding: .utf8)) != nil
            #expect(written, "cannot move \(pid) into \(directory)")
        }
        _ = write(gate[1], "go\n", 3)
        return pid
    }

    /// The processes in the cgroup `directory` (not below it).
    func processCount(_ directory: String) -> Int {
        ((try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// Runs a program to its end; its exit status.
    func run(_ argv: [String]) throws -> Int32 {
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        try #require(posix_spawn(&pid, argv[0], nil, nil, cArgs, environ) == 0, "cannot run \(argv[0])")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }
}
