import CLibFuzzer
import Glibc

// The entry point hands over to libFuzzer's driver. libFuzzer's own `main` cannot be used: on Linux
// SwiftPM links an executable with `--defsym main=<module>_main`, so the program's `main` is always
// the executable module's.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzHCLParser(data, size) })
