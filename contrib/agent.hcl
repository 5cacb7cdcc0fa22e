# Example agent configuration (corral agent --config /etc/corral/agent.hcl).
data_dir  = "/var/lib/corral"
log_level = "info"
datacenter = "dc1"

listen {
  socket = "/run/corral/corral.sock"
  # tcp = "127.0.0.1:4646"   # no authentication: loopback only
}

client {
  max_kill_timeout = "30s"
  cgroup_parent    = "corral"
  gc_max_allocs    = 50
}
