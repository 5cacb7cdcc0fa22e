import CCorralHost
import CorralCLI
#if canImport(Glibc)
import Glibc
#endif

// Before anything opens a file: a closed stdin/stdout/stderr must not be reused for our own fds.
_ = corral_open_standard_fds()
// An agent's children are clones of it until their execve: it runs from a sealed copy of itself, so
// that no task can reach (and overwrite) the host's corral binary through /proc/<pid>/exe. Before
// anything else runs, so that nothing is lost across the exec.
if CommandLine.arguments.dropFirst().first == "agent" {
    let result = corral_exec_sealed_copy(CommandLine.unsafeArgv)
    if result < 0 {
        let message = "corral: cannot run the agent from a sealed copy of its executable: \(String(cString: strerror(-result)))\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        exit(125)
    }
}
exit(CorralMain.run(Array(CommandLine.arguments.dropFirst())))
