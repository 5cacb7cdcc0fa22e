# A task that needs more memory than it may have: the kernel's OOM killer ends it, and the
# Terminated event says "OOM Killed: true".
job "hungry" {
  type = "batch"

  group "g" {
    restart {
      attempts = 0
    }

    task "eat" {
      driver = "exec"

      config {
        command = "/bin/sh"
        # tail keeps its whole input in memory: 256 MiB against a 32 MiB limit.
        args = ["-c", "head -c 256m /dev/zero | tail -c 1 > /dev/null; echo survived"]
      }

      resources {
        memory = 32
      }
    }
  }
}
