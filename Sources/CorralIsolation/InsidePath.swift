/// The one check of a path inside the task (a mount target, a device's path, the workdir), shared by
/// `corral isolate` and the exec driver.
///
/// The path must be absolute and spelled canonically: no `..`, no `.`, no empty component (`//`, a
/// trailing `/`). A spelling such as `/./proc` or `//sys` names the same directory as `/proc` or `/sys`
/// while comparing differently, and would slip a mount past the checks that keep user mounts off
/// corral's own (`LaunchPlanBuilder.refuseOverSystemMounts`); so only one spelling is accepted.
package enum InsidePath {
    /// Why `path` is refused, or nil when it is fine. `allowRoot`: `/` itself is acceptable (a workdir).
    package static func problem(_ path: String, allowRoot: Bool) -> String? {
        guard path.hasPrefix("/") else { return "the path inside the task \"\(path)\" must be absolute" }
        if path == "/" { return allowRoot ? nil : "cannot mount over the task's root" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if components.contains("..") { return "the path inside the task must not contain \"..\"" }
        if components.contains(".") { return "the path inside the task must not contain \".\" components" }
        if components.contains("") {
            return "the path inside the task must not contain empty components (\"//\" or a trailing \"/\")"
        }
        return nil
    }
}
