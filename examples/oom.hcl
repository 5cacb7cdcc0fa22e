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
        # tail keeps the last line in memory, and /dev/zero has no newline: 256 MiB against 32 MiB.
        args = ["-c", "head -c 256m /dev/zero | tail -n 1 > /dev/null; status=$?; echo tail exited with $status; exit $status"]
      }

      resources {
        memory = 32
      }
    }
  }
}
