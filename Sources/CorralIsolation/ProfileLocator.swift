#if canImport(Glibc)
import Glibc
#endif

/// Finds the shipped profiles: `$CORRAL_PROFILES`, else `../share/corral/profiles` relative to the
/// running `corral` (an installed layout), else the source tree's `profiles/` (a build in `.build/`).
package enum ProfileLocator {
    /// The file for `--seccomp VALUE`: `default` and `unconfined` name shipped profiles (unconfined
    /// means no filter at all: nil), anything else is a path.
    /// `option` names where the value came from, for the error (`--seccomp`, `config.seccomp_profile`).
    package static func seccomp(_ value: String, option: String = "--seccomp") throws(LaunchError) -> String? {
        switch value {
        case "unconfined":
            return nil
        case "default":
            return try shipped("seccomp/default.json")
        default:
            try checkProfileFile(value, option: option)
            return value
        }
    }

    /// The most a profile file may hold (the shipped default is about 20 KiB).
    package static let maximumProfileBytes = 1 << 20

    /// A profile must be a readable regular file of at most `maximumProfileBytes`: opened (following
    /// the operator's path) non-blocking, so a FIFO or a device never blocks or floods the caller.
    /// The error names the option and the path, never anything of the file's content.
    package static func checkProfileFile(_ path: String, option: String) throws(LaunchError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such profile file (or use default or unconfined)"
                : "cannot open the profile file: \(String(cString: strerror(errno)))"
            throw .invalid(option: option, value: path, reason: reason)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw .invalid(option: option, value: path, reason: "a seccomp profile must be a regular file")
        }
        guard st.st_size <= maximumProfileBytes else {
            throw .invalid(option: option, value: path,
                           reason: "a seccomp profile must be at most \(maximumProfileBytes >> 20) MiB")
        }
    }

    package static func shipped(_ relative: String) throws(LaunchError) -> String {
        var directories: [String] = []
        if let override = getenv("CORRAL_PROFILES") { directories.append(String(cString: override)) }
        if let own = ProgramLocator.ownDirectory() {
            directories.append(own + "/../share/corral/profiles")
            // corral-cli, installed in <prefix>/libexec/corral/ (the lean corral is in <prefix>/bin/).
            directories.append(own + "/../../share/corral/profiles")
            // A build in the source tree: .build/<triple>/<configuration>/corral.
            if own.contains("/.build/") { directories.append(own + "/../../../profiles") }
        }
        for directory in directories where access(directory + "/" + relative, R_OK) == 0 {
            return directory + "/" + relative
        }
        throw .internal("cannot find corral's \(relative) (looked in \(directories.joined(separator: ", "))); "
                        + "install the profiles there or set CORRAL_PROFILES to their directory")
    }
}
