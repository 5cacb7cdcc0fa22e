# Example agent configuration (corral agent --config /etc/corral/agent.hcl).
data_dir  = "/var/lib/corral"
log_level = "info"
datacenter = "dc1"

listen {
  socket = "/run/corral/corral.sock"
  # tcp   = "127.0.0.1:4646"   # needs a token: requests carry it in X-Corral-Token
  # token = "..."              # at least 16 characters; or CORRAL_TOKEN in the agent's environment (contrib/corral.service)
  # tls {                      # required for an address that is not a loopback one; clients use https:// and --ca-cert
  #   cert_file = "/etc/corral/agent.pem"
  #   key_file  = "/etc/corral/agent.key"
  # }
}

client {
  max_kill_timeout = "30s"
  cgroup_parent    = "corral"
  gc_max_allocs    = 50
  # Host paths (with what lies beneath them) that tasks may bind, and host devices they may be given:
  # none unless listed.
  # bind_allowlist   = ["/srv/shared"]
  # device_allowlist = ["/dev/fuse"]
  # Directories of images (an exec task's `image`, its writable root): none unless listed.
  # image_allowlist  = ["/srv/images"]
  # An image, or the source of a writable bind, must lie on a nosuid,nodev host mount (a root task
  # could otherwise plant set-uid binaries or device nodes there for local users); true lifts that.
  # allow_suid_writable_sources = false
  # Who exec tasks may run as, judged by uid and groups by number (names through the host's /etc):
  # root is denied by default, as Nomad's user.denylist; [] allows it.
  # user_denylist  = ["root"]
  # user_allowlist = ["nobody", "1000"]
}

# Whoever can submit jobs is root-equivalent: these knobs are what narrows it.
# plugin "raw_exec" {
#   config { enabled = true }   # off by default: raw_exec tasks run on the host, unisolated
# }
# plugin "exec" {
#   config {
#     # What cap_add may name (default Docker's 14); "all" allows any.
#     allow_caps = ["audit_write", "chown", "dac_override", "fowner", "fsetid", "kill", "mknod",
#                   "net_bind_service", "net_raw", "setfcap", "setgid", "setpcap", "setuid", "sys_chroot"]
#     # The host's pid, IPC and network namespaces (pid_mode, ipc_mode, network_mode = "host"): off.
#     allow_host_pid     = false
#     allow_host_ipc     = false
#     allow_host_network = false
#     # A seccomp_profile other than "default" ("unconfined", a host file): off.
#     allow_seccomp_profiles = false
#   }
# }
