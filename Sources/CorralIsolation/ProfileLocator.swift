#if canImport(Glibc)
import Glibc
#endif

/// Finds the shipped profiles: `$CORRAL_PROFILES`, else `../share/corral/profiles` relative to the
/// running `corral` (an installed layout), else the source tree's `profiles/` (a build in `.build/`).
public enum ProfileLocator {
    /// The file for `--seccomp VALUE`: `default` and `unconfined` name shipped profiles (unconfined
    /// means no filter at all: nil), anything else is a path.
    /// `option` names where the value came from, for the error (`--seccomp`, `config.seccomp_profile`).
    public static func seccomp(_ value: String, option: String = "--seccomp") throws(LaunchError) -> String? {
        switch value {
        case "unconfined":
            return nil
        case "default":
            return try shipped("seccomp/default.json")
        default:
            guard access(value, R_OK) == 0 else {
                throw .invalid(option: option, value: value,
                               reason: "no such profile file (or use default or unconfined)")
            }
            return value
        }
    }

    public static func shipped(_ relative: String) throws(LaunchError) -> String {
        var directories: [String] = []
        if let override = getenv("CORRAL_PROFILES") { directories.append(String(cString: override)) }
        if let own = ProgramLocator.ownDirectory() {
            directories.append(own + "/../share/corral/profiles")
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
