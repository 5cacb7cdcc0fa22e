import CCorralHost
import CorralCLI
#if canImport(Glibc)
import Glibc
#endif

// Before anything opens a file: a closed stdin/stdout/stderr must not be reused for our own fds.
_ = corral_open_standard_fds()
exit(CorralMain.run(Array(CommandLine.arguments.dropFirst())))
