# Example agent configuration (corral agent --config /etc/corral/agent.hcl).
data_dir  = "/var/lib/corral"
log_level = "info"
datacenter = "dc1"

listen {
  socket = "/run/corral/corral.sock"
  # tcp   = "127.0.0.1:4646"   # needs a token: requests carry it in X-Corral-Token
  # token = "..."              # or CORRAL_TOKEN in the agent's environment (contrib/corral.service)
}

client {
  max_kill_timeout = "30s"
  cgroup_parent    = "corral"
  gc_max_allocs    = 50
}
