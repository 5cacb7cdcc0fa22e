import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the `corral-supervisor` program: `$CORRAL_SUPERVISOR`, else next to the running
/// `corral`, else in `../libexec/corral/` relative to it (an installed layout).
enum SupervisorLocator {
    static func find() throws(LaunchError) -> String {
        if let override = getenv("CORRAL_SUPERVISOR") {
            let path = String(cString: override)
            guard access(path, X_OK) == 0 else {
                throw .invalid(option: "CORRAL_SUPERVISOR", value: path, reason: "is not an executable file")
            }
            return path
        }
        let directory = ownDirectory() ?? "."
        let candidates = [directory + "/corral-supervisor", directory + "/../libexec/corral/corral-supervisor"]
        for candidate in candidates where access(candidate, X_OK) == 0 {
            return candidate
        }
        throw .internal("cannot find the corral-supervisor program (looked for \(candidates.joined(separator: " and "))); "
                        + "install it there or set CORRAL_SUPERVISOR to its path")
    }

    /// The directory holding the running executable.
    static func ownDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
