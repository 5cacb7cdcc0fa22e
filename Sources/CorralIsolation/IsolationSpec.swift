import CorralCgroups
import CorralResourceTypes

/// What the user asks for when isolating one command: the flags of `corral isolate`, and later
/// the `exec` driver's task config. Plain values, validated by `LaunchPlanBuilder`.
package struct IsolationSpec: Equatable, Sendable {
    /// argv; the first element is a path or a name looked up in the task's `PATH`.
    package var command: [String]
    /// An unpacked image to use as the root; nil builds a chroot from `chrootEnv`.
    package var rootfs: String?
    /// Host paths (the image, bind sources) a policy judged in their canonical form: each must still
    /// be canonical when the plan is built, or a symlink was swapped into it since the check.
    package var approvedSources: Set<String> = []
    package var chrootEnv: [String] = RootfsLayout.defaultChrootEnv
    package var namespaces = NamespaceSet()
    package var hostname: String
    /// Extra environment, `KEY=VALUE`, applied over the defaults in order.
    package var environment: [String] = []
    package var workdir: String = "/"
    /// `USER[:GROUP]`; nil runs as `defaultUser`.
    package var user: String?
    /// Who a task that names no user runs as: root for `corral isolate` (as `docker run`), `nobody`
    /// for driver tasks (as Nomad's exec driver). A default the task's `/etc/passwd` lacks is
    /// still known by its id (`UserIdentity.builtIn`).
    package var defaultUser = "root"
    package var binds: [BindMount] = []
    package var tmpfs: [TmpfsMount] = []
    package var rlimits: [ResourceLimit] = []
    /// Docker's default capabilities, adjusted by `--cap-add`/`--cap-drop`.
    package var capabilities = CapabilityRequest()
    /// The seccomp profile file (Docker's JSON format); nil runs the task without a filter.
    package var seccompProfile: String?
    /// Host devices given to the task (`--device`).
    package var devices: [DeviceMapping] = []
    /// A device cgroup confines the task's devices (false with `--no-cgroup`): without one the task
    /// gets no CAP_MKNOD and a `nodev` `/dev`, whose standard devices are binds of the host's nodes.
    package var deviceConfinement: Bool = true
    /// The task's stdin is a terminal: set `TERM` and make it the controlling terminal.
    package var terminal: Bool = false
    /// The `TERM` value to pass when `terminal` is set.
    package var term: String = "xterm"

    package init(command: [String], hostname: String) {
        self.command = command
        self.hostname = hostname
    }
}
