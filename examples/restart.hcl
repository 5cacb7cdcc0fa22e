# A service that keeps failing: the restart policy allows 2 restarts within the interval, then
# gives up (mode "fail"): 3 runs in all, then the task is dead and failed, and `corral run` exits 1.
job "flaky" {
  type = "service"

  group "api" {
    restart {
      attempts = 2
      interval = "1m"
      delay    = "1s"
      mode     = "fail"
    }

    task "server" {
      driver = "exec"

      config {
        command = "/bin/sh"
        args    = ["-c", "echo starting; sleep 0.2; echo 'cannot bind' >&2; exit 1"]
      }

      resources {
        memory = 32
      }
    }
  }
}
