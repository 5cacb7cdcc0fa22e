import CCorralHost
import CorralIsolateCLI
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

// The lean `corral`: `isolate` and `--version` are answered here; every other verb is the full CLI's
// (`corral-cli`, next to this executable or in ../libexec/corral), which this process becomes by
// `execve` with the same arguments. Only `CorralIsolateCLI` is linked, so a one-shot start does not
// load or scan what the agent needs (docs/architecture.md, "The one-shot path").

// Before anything opens a file: a closed stdin/stdout/stderr must not be reused for our own fds.
_ = corral_open_standard_fds()
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "isolate":
    exit(IsolateMain.run(Array(arguments.dropFirst())))
case "--version" where arguments.count == 1:
    print(corralVersion)
    exit(0)
default:
    let cli: String
    do { cli = try ProgramLocator.find("corral-cli", override: "CORRAL_CLI") } catch {
        printError(error.description)
        exit(125)
    }
    execv(cli, CommandLine.unsafeArgv)
    printError("cannot run \(cli): \(String(cString: strerror(errno)))")
    exit(125)
}
