# A task confined by a custom seccomp profile (seccomp/deny-mkdir.json, next to this file: relative
# paths in a job file are relative to the job file): mkdir fails with EPERM, all else is allowed.
job "confined" {
  type = "batch"

  group "g" {
    task "try" {
      driver = "exec"

      config {
        command         = "/bin/sh"
        args            = ["-c", "mkdir /tmp/new 2>/dev/null && echo 'mkdir allowed' || echo 'mkdir denied'"]
        seccomp_profile = "seccomp/deny-mkdir.json"
      }

      resources {
        memory = 32
      }
    }
  }
}
