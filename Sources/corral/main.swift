import CorralCLI
#if canImport(Glibc)
import Glibc
#endif

exit(CorralMain.run(Array(CommandLine.arguments.dropFirst())))
