import CCorralLaunch
import Testing
@testable import CorralIsolation

/// The C side reads only what `FlatPlan` lays out: check the layout, since a mistake here is a
/// wrong mount or argv in the child, where nothing can be logged.
@Suite("Flat C plan")
struct FlatPlanTests {
    func plan() throws -> LaunchPlan {
        var spec = IsolationSpec(command: ["echo", "hello world"], hostname: "flat")
        spec.binds = [BindMount(source: "/srv/data", destination: "/data", readOnly: true)]
        spec.rlimits = [try ResourceLimit.parse("nofile=64:128")]
        spec.user = "app"
        return try LaunchPlanBuilder(host: FakeHost.debian()).build(spec, rootMountpoint: "/state/rootfs")
    }

    func strings(_ array: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        var out: [String] = []
        var i = 0
        while let p = array?[i] { out.append(String(cString: p)); i += 1 }
        return out
    }

    @Test func laysOutEveryField() throws {
        let launch = try plan()
        let supervisor = SupervisorLaunch(path: "/usr/libexec/corral-supervisor",
                                          arguments: ["--task-pid", SupervisorLaunch.taskPIDPlaceholder, "--state-fd", "3"],
                                          fds: [(7, 3), (8, 4)])
        let flat = FlatPlan(launch, taskStdio: (0, 11, 12), supervisor: supervisor, reportFD: 9, lifelineTo: 6)
        flat.withPlan { plan in
        let c = plan.pointee
        #expect(c.clone_flags == NamespaceSet().cloneFlags)
        #expect(String(cString: c.root_mountpoint) == "/state/rootfs")
        #expect(c.root_image == nil && c.root_readonly == 1)
        #expect(c.n_mounts == UInt32(launch.mounts.count))
        #expect(String(cString: c.hostname) == "flat" && c.loopback_up == 1)
        #expect(c.uid == 1000 && c.gid == 1000 && c.n_groups == 2 && c.groups[0] == 4)
        #expect(c.n_rlimits == 1 && c.rlimits[0].soft == 64 && c.rlimits[0].hard == 128)
        #expect(strings(c.argv) == ["echo", "hello world"])
        #expect(strings(c.envp).first == "PATH=\(LaunchPlanBuilder.defaultPath)")
        #expect(c.n_exec_candidates == 6 && String(cString: c.exec_candidates[0]!) == "/usr/local/sbin/echo")
        #expect(c.task_stdio.0 == 0 && c.task_stdio.1 == 11 && c.task_stdio.2 == 12 && c.lifeline_to == 6)
        #expect(c.report_fd == 9 && c.n_supervisor_fds == 2 && c.supervisor_fds[1].from == 8 && c.supervisor_fds[1].to == 4)
        // The pid slot is the argv entry the supervisor fills in after cloning the task.
        #expect(c.supervisor_argv[2] == c.task_pid_slot)
        #expect(strings(c.supervisor_argv) == ["/usr/libexec/corral-supervisor", "--task-pid", "", "--state-fd", "3"])
        }
    }

    @Test func mountTargetsAreRelativeToTheNewRoot() throws {
        let launch = try plan()
        let flat = FlatPlan(launch, taskStdio: (0, 1, 2),
                            supervisor: SupervisorLaunch(path: "/s", arguments: [], fds: []), reportFD: 3)
        try flat.withPlan { plan in
        let mounts = UnsafeBufferPointer(start: plan.pointee.mounts, count: Int(plan.pointee.n_mounts))
        for (step, m) in zip(launch.mounts, mounts) {
            // Masks and read-only paths are relative to the fresh mount they protect (its step + 1).
            let base = m.relative_to == 0 ? "" : launch.mounts[Int(m.relative_to) - 1].target
            #expect(base + "/" + String(cString: m.target) == step.target)
        }
        let data = try #require(mounts.last)
        #expect(data.kind == CORRAL_MOUNT_BIND.rawValue)
        #expect(String(cString: data.source) == "/srv/data")
        #expect(data.attr == MountAttributes([.readOnly, .nosuid, .nodev]).rawValue)
        let kcore = try #require(mounts.first { String(cString: $0.target) == "kcore" })
        #expect(kcore.kind == CORRAL_MOUNT_MASK.rawValue && kcore.optional == 1)
        let proc = mounts[Int(kcore.relative_to) - 1]
        #expect(String(cString: proc.fstype) == "proc" && proc.keep == 1)
        let null = try #require(mounts.first { String(cString: $0.target) == "dev/null" })
        #expect(null.kind == CORRAL_MOUNT_NODE.rawValue && null.dev == corral_makedev(1, 3) && null.mode == 0o020666)
        }
    }

    @Test func anIsolatedTaskBuildsItsRootAndJoinsNothing() throws {
        let flat = FlatPlan(try plan(), taskStdio: (0, 1, 2), supervisor: SupervisorLaunch(path: "/s", arguments: [], fds: []),
                            reportFD: 3)
        flat.withPlan { plan in
            #expect(plan.pointee.setup_root == 1)
            #expect(plan.pointee.join_pidfd == -1)
            #expect(plan.pointee.set_capabilities == 1 && plan.pointee.switch_user == 1)
        }
    }

    /// raw_exec: a host process, with no namespaces, no root, no hostname and the caller's capabilities.
    @Test func aHostProcessMakesNoNamespacesAndKeepsItsCapabilities() throws {
        var launch = try plan()
        launch.mode = .host
        launch.applyCapabilities = false
        launch.switchUser = false
        let flat = FlatPlan(launch, taskStdio: (0, 1, 2), supervisor: SupervisorLaunch(path: "/s", arguments: [], fds: []),
                            reportFD: 3)
        flat.withPlan { plan in
            let c = plan.pointee
            #expect(c.clone_flags == 0 && c.setup_root == 0 && c.join_pidfd == -1)
            #expect(c.hostname == nil && c.loopback_up == 0)
            #expect(c.set_capabilities == 0 && c.switch_user == 0)
        }
    }

    /// exec into a task: the task's namespaces through its pidfd, nothing new, the task's confinement.
    @Test func aCommandJoiningATaskEntersItsNamespaces() throws {
        var launch = try plan()
        let namespaces = NamespaceSet().cloneFlags
        launch.mode = .join(pidfd: 42, namespaces: namespaces)
        let flat = FlatPlan(launch, taskStdio: (0, 1, 2), supervisor: SupervisorLaunch(path: "/s", arguments: [], fds: []),
                            reportFD: 3)
        flat.withPlan { plan in
            let c = plan.pointee
            #expect(c.clone_flags == 0 && c.setup_root == 0)
            #expect(c.join_pidfd == 42 && c.join_flags == namespaces)
            #expect(c.hostname == nil && c.loopback_up == 0)
            #expect(c.set_capabilities == 1 && c.switch_user == 1 && c.uid == 1000)
        }
    }
}
