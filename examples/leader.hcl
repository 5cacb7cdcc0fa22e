# Two tasks in one group: when the leader finishes, corral kills its sidecar (Leader Task Dead),
# and the job completes.
job "pipeline" {
  type = "batch"

  group "g" {
    task "main" {
      driver = "exec"
      leader = true

      config {
        command = "/bin/sh"
        args    = ["-c", "echo working; sleep 1; echo done"]
      }

      resources {
        memory = 32
      }
    }

    task "sidecar" {
      driver       = "exec"
      kill_timeout = "2s"

      config {
        command = "/bin/sh"
        args    = ["-c", "trap 'echo sidecar stopping; exit 0' TERM; while :; do sleep 0.1; done"]
      }

      resources {
        memory = 32
      }
    }
  }
}
