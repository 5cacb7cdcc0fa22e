/// Nomad's job-file names that corral does not take (yet), by the block they belong in, each with
/// what it does in Nomad: a real Nomad job that uses one is told plainly that corral does not
/// support it (`corral does not support "vault" in task "web" (Nomad: secrets from Vault)`), never
/// that the name is unknown, and a typo still gets its did-you-mean. docs/jobs.md has the table.
enum NomadStanzas {
    /// The block kinds a body's context starts with (`task "web"` → `task`).
    static func unsupported(_ name: String, inContext context: String) -> String? {
        let kind = context.prefix { $0 != " " }
        return table[String(kind)]?[name]
    }

    static let table: [String: [String: String]] = [
        "job": [
            "all_at_once": "place all groups at once",
            "migrate": "node drain migration", "multiregion": "multi-region deployments",
            "node_pool": "node pools", "parameterized": "dispatch jobs",
            "periodic": "cron-like periodic jobs",
            "reschedule": "rescheduling failed allocations", "update": "rolling updates and canaries",
            "vault": "secrets from Vault", "consul": "Consul integration", "ui": "UI description and links",
            "vault_token": "secrets from Vault", "consul_token": "Consul integration",
        ],
        "group": [
            "consul": "Consul integration",
            "disconnect": "behaviour of disconnected clients", "ephemeral_disk": "the allocation's sticky, migrated disk",
            "max_client_disconnect": "behaviour of disconnected clients", "migrate": "node drain migration",
            "network": "group networks and ports", "prevent_reschedule_on_lost": "rescheduling lost allocations",
            "reschedule": "rescheduling failed allocations", "service": "service registration and health checks",
            "shutdown_delay": "a delay between deregistering services and stopping the group",
            "stop_after_client_disconnect": "behaviour of disconnected clients", "scaling": "autoscaling policies",
            "update": "rolling updates and canaries", "vault": "secrets from Vault", "volume": "host and CSI volumes",
        ],
        "task": [
            "artifact": "downloading files into the task",
            "consul": "Consul integration", "csi_plugin": "CSI plugins",
            "dispatch_payload": "the payload of a dispatched job", "identity": "workload identities",
            "lifecycle": "prestart, poststart and poststop tasks and sidecars", "schedule": "task schedules",
            "scaling": "autoscaling policies", "secret": "secrets providers", "service": "service registration and health checks",
            "template": "rendered configuration files", "vault": "secrets from Vault", "volume_mount": "host and CSI volumes",
            "action": "task actions", "kind": "the task's kind (Consul Connect)",
        ],
        "resources": [
            "device": "devices such as GPUs", "network": "task networks (deprecated in Nomad)",
            "numa": "NUMA-aware placement", "secrets": "the size of the secrets/ tmpfs", "disk": "disk space (deprecated in Nomad)",
            "iops": "disk IOPS (deprecated in Nomad)",
        ],
    ]
}
