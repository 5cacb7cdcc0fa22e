# The smallest job: one batch task that prints a line and exits 0.
#   corral run examples/hello.hcl
job "hello" {
  type = "batch"

  group "greet" {
    task "say" {
      driver = "exec"

      config {
        command = "/bin/sh"
        # ${NOMAD_TASK_NAME} is interpolated by corral before the task starts.
        args = ["-c", "echo \"hello from ${NOMAD_TASK_NAME} in $(hostname)\""]
      }

      resources {
        cpu    = 100 # MHz
        memory = 64  # MiB
      }
    }
  }
}
