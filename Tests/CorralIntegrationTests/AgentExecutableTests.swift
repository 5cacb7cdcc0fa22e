import Foundation
import Testing

/// `corral agent` runs from a sealed memfd copy of its executable (CVE-2019-5736): the processes it
/// forks for tasks and exec sessions are clones of it until their execve, and /proc/<pid>/exe of
/// such a clone must not be the host's corral binary, nor anything writable.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(2)))
struct AgentExecutableTests {
    @Test func theAgentsExecutableIsASealedCopyNotTheHostFile() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let exe = "/proc/\(agent.pid)/exe"

        let target = try FileManager.default.destinationOfSymbolicLink(atPath: exe)
        #expect(target.hasPrefix("/memfd:"), "\(exe) -> \(target)")
        var running = stat(), host = stat()
        try #require(stat(exe, &running) == 0 && stat(Integration.corral, &host) == 0)
        #expect(running.st_dev != host.st_dev || running.st_ino != host.st_ino, "the agent runs the host file itself")

        // Neither for writing nor for appending, nor by truncating, nor through a writable mapping.
        for flags in [O_WRONLY, O_RDWR, O_WRONLY | O_APPEND, O_WRONLY | O_TRUNC] {
            let fd = open(exe, flags | O_CLOEXEC)
            let code = errno
            if fd >= 0 { close(fd) }
            #expect(fd < 0, "opening \(exe) with flags \(flags) succeeded")
            #expect([ETXTBSY, EPERM, EACCES].contains(code), "errno \(code)")
        }
        let reader = open(exe, O_RDONLY | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        #expect(ftruncate(reader, 0) != 0)
        let seals = fcntl(reader, 1034 /* F_GET_SEALS */)
        #expect(seals >= 0 && seals & 0x000f == 0x000f, "seals \(seals): F_SEAL_SEAL, SHRINK, GROW and WRITE")
        #expect(mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, reader, 0) == MAP_FAILED)

        // The copy still finds its helper programs next to the original: tasks run.
        let marker = "corral-it-exe-\(agent.name)"
        let file = try writeJob(loopJob("exe", marker: marker), name: "exe")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let run = try await agent.cli(["job", "run", file])
        #expect(run.status == 0, "\(run.stderr)\n\(agent.agentLog())")
        #expect(try await agent.tearDown().isEmpty)
    }
}
