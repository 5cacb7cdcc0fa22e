# A busy task held to a hard CPU quota: 200 MHz of the node's total compute, enforced by the
# cgroup (cpu_hard_limit), not only a weight.
job "spinner" {
  type = "batch"

  group "g" {
    task "spin" {
      driver = "exec"

      config {
        command        = "/bin/sh"
        args           = ["-c", "timeout 2 sh -c 'while :; do :; done'; echo spun"]
        cpu_hard_limit = true
      }

      resources {
        cpu    = 200
        memory = 32
      }
    }
  }
}
