/// What the user asks for when isolating one command: the flags of `corral isolate`, and later
/// the `exec` driver's task config. Plain values, validated by `LaunchPlanBuilder`.
public struct IsolationSpec: Equatable, Sendable {
    /// argv; the first element is a path or a name looked up in the task's `PATH`.
    public var command: [String]
    /// An unpacked image to use as the root; nil builds a chroot from `chrootEnv`.
    public var rootfs: String?
    public var chrootEnv: [String] = RootfsLayout.defaultChrootEnv
    public var namespaces = NamespaceSet()
    public var hostname: String
    /// Extra environment, `KEY=VALUE`, applied over the defaults in order.
    public var environment: [String] = []
    public var workdir: String = "/"
    /// `USER[:GROUP]`; nil runs as `defaultUser`.
    public var user: String?
    /// Who a task that names no user runs as: root for `corral isolate` (as `docker run`), `nobody`
    /// for driver tasks (as Nomad's exec driver). A default the task's `/etc/passwd` lacks is
    /// still known by its id (`UserIdentity.builtIn`).
    public var defaultUser = "root"
    public var binds: [BindMount] = []
    public var tmpfs: [TmpfsMount] = []
    public var rlimits: [ResourceLimit] = []
    /// Docker's default capabilities, adjusted by `--cap-add`/`--cap-drop`.
    public var capabilities = CapabilityRequest()
    /// The seccomp profile file (Docker's JSON format); nil runs the task without a filter.
    public var seccompProfile: String?
    /// Host devices given to the task (`--device`).
    public var devices: [DeviceMapping] = []
    /// The task's stdin is a terminal: set `TERM` and make it the controlling terminal.
    public var terminal: Bool = false
    /// The `TERM` value to pass when `terminal` is set.
    public var term: String = "xterm"

    public init(command: [String], hostname: String) {
        self.command = command
        self.hostname = hostname
    }
}
