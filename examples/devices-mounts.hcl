# A host device and a read-only bind mount given to the task.
job "io" {
  type = "batch"

  group "g" {
    task "check" {
      driver = "exec"

      config {
        command = "/bin/sh"
        args = ["-c", <<-EOT
          test -c /dev/host-full && echo "device /dev/host-full is here"
          head -n 1 /mnt/os-release
          touch /mnt/os-release 2>/dev/null || echo "the mount is read-only"
        EOT
        ]

        devices = [
          {
            host_path          = "/dev/full"
            container_path     = "/dev/host-full"
            cgroup_permissions = "rw"
          }
        ]

        mounts = [
          {
            type     = "bind"
            source   = "/etc/os-release"
            target   = "/mnt/os-release"
            readonly = true
          }
        ]
      }

      resources {
        memory = 32
      }
    }
  }
}
