#if canImport(Glibc)
import Glibc
#endif

/// Finds corral's helper programs (`corral-supervisor`, `corral-init`, `corral-exec`): `$CORRAL_SUPERVISOR`
/// / `$CORRAL_INIT` / `$CORRAL_EXEC`, else next to the running executable, else in `../libexec/corral/` relative to it
/// (an installed layout).
package enum ProgramLocator {
    package static func supervisor() throws(LaunchError) -> String {
        try find("corral-supervisor", override: "CORRAL_SUPERVISOR")
    }

    package static func initProgram() throws(LaunchError) -> String {
        try find("corral-init", override: "CORRAL_INIT")
    }

    package static func execProgram() throws(LaunchError) -> String {
        try find("corral-exec", override: "CORRAL_EXEC")
    }

    package static func find(_ program: String, override variable: String) throws(LaunchError) -> String {
        if let override = getenv(variable) {
            let path = String(cString: override)
            guard access(path, X_OK) == 0 else {
                throw .invalid(option: variable, value: path, reason: "is not an executable file")
            }
            return path
        }
        // Never the working directory: without our own directory (no /proc), only the variable says where.
        guard let directory = ownDirectory() else {
            throw .internal("cannot find the \(program) program (cannot read /proc/self/exe); set \(variable) to its path")
        }
        let candidates = [directory + "/" + program, directory + "/../libexec/corral/" + program]
        for candidate in candidates where access(candidate, X_OK) == 0 {
            return candidate
        }
        throw .internal("cannot find the \(program) program (looked for \(candidates.joined(separator: " and "))); "
                        + "install it there or set \(variable) to its path")
    }

    /// The directory holding the running executable. An agent runs from a sealed memfd copy of it
    /// (`corral_exec_sealed_copy`), which is in no directory: then `$CORRAL_EXE` names the original.
    package static func ownDirectory() -> String? { ownDirectoryOnce }

    /// Read once per process: a start looks up three or four helpers, and each `readlink` of
    /// `/proc/self/exe` costs tens of microseconds. Neither the executable nor `$CORRAL_EXE` changes
    /// while the process runs.
    private static let ownDirectoryOnce: String? = readOwnDirectory()

    private static func readOwnDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        var path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if path.hasPrefix("/memfd:"), let original = getenv("CORRAL_EXE") { path = String(cString: original) }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
