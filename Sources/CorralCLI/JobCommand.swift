import ArgumentParser
import Foundation

/// `corral job ...`: job file helpers, and jobs on the agent.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Write job files; submit, inspect and stop jobs on the agent.",
        subcommands: [JobInit.self, JobRun.self, JobPlan.self, JobValidate.self, JobStatus.self, JobStop.self])
}

/// `corral job init [FILE]`: writes a commented example job to start from.
struct JobInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented example job file (default: example.hcl).")

    @Argument(help: ArgumentHelp("Where to write it.", valueName: "file"))
    var file: String = "example.hcl"

    @Flag(help: "Overwrite the file if it exists.")
    var force = false

    func run() throws {
        if !force, FileManager.default.fileExists(atPath: file) {
            throw CLIFailure("\(file) exists; pass --force to overwrite it")
        }
        do {
            try Data(Self.example.utf8).write(to: URL(fileURLWithPath: file))
        } catch {
            throw CLIFailure("cannot write \(file): \(error.localizedDescription)")
        }
        print("wrote \(file); run it with: corral run \(file)")
    }

    static let example = """
        # An example job. Run it with `corral run example.hcl`; check it with `corral validate example.hcl`.
        job "example" {
          # "service" runs until stopped (Ctrl-C) and restarts tasks that exit; "batch" runs to completion.
          type = "service"

          # A group's tasks run together, on this host, as one allocation per instance (count).
          group "web" {
            count = 1

            # What happens when a task exits: 2 restarts within 30 minutes, 15 s apart, then give up.
            restart {
              attempts = 2
              interval = "30m"
              delay    = "15s"
              mode     = "fail" # or "delay": wait for the interval to end, then try again
            }

            task "server" {
              # exec: new namespaces, a chroot of host directories, cgroup limits, seccomp, capabilities.
              # raw_exec: the host as it is (with a cgroup). mock: no process, for tests.
              driver = "exec"

              config {
                command = "/bin/sh"
                # ${...} is filled in by corral: NOMAD_* variables, env.KEY, node.unique.name, attr.*, meta.*
                args = ["-c", "echo serving from ${NOMAD_TASK_DIR} on ${node.unique.name}; while :; do sleep 5; done"]
                # cpu_hard_limit  = true      # hold the task to its cpu below as a quota
                # seccomp_profile = "default" # default, unconfined, or a file (relative to this job file)
                # network_mode    = "none"    # only lo; "host" shares the host's network
              }

              env {
                GREETING = "hello"
              }

              resources {
                cpu    = 200 # MHz: a weight against other tasks (and the quota with cpu_hard_limit)
                memory = 128 # MiB: the hard limit; beyond it the kernel's OOM killer ends the task
              }

              kill_signal  = "SIGTERM"
              kill_timeout = "5s" # between kill_signal and SIGKILL

              logs {
                max_files     = 5
                max_file_size = 10 # MiB
              }
            }
          }
        }

        """
}
