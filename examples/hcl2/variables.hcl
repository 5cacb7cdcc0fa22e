# Variables, locals and functions, as Nomad's HCL2 has them (docs/jobs.md, "Variables and expressions"):
#   corral run examples/hcl2/variables.hcl
#   corral run -var greeting=bonjour -var 'names=["ana", "bo"]' examples/hcl2/variables.hcl
#   NOMAD_VAR_greeting=hola corral run -var-file examples/hcl2/few-names.hcl examples/hcl2/variables.hcl

variable "greeting" {
  type        = string
  default     = "hello"
  description = "What the task says."
}

variable "names" {
  type    = list(string)
  default = ["ana", "bo", "cy"]

  validation {
    condition     = length(var.names) > 0 && length(var.names) <= 10
    error_message = "Give between 1 and 10 names."
  }
}

locals {
  line = "${title(var.greeting)} to ${join(", ", var.names)}"
}

job "variables" {
  type = "batch"

  group "greet" {
    task "say" {
      driver = "exec"

      config {
        command = "/bin/sh"
        # ${NOMAD_TASK_NAME} is left for corral to fill in when the task starts.
        args = ["-c", "echo \"${local.line} (${length(var.names)} names) from ${NOMAD_TASK_NAME}\""]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
