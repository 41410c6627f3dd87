package workloads_test

import data.workloads

digest := "repo/server@sha256:3f1e6c1a9b5d4e2f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"

good := {
	"name": "server", "image": digest,
	"readinessProbe": {"httpGet": {"path": "/health"}}, "livenessProbe": {"httpGet": {"path": "/health"}},
	"resources": {
		"limits": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": 1},
		"requests": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": 1},
	},
	"securityContext": {"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false},
}

deployment(containers, pod_security) := {"urn": "u:d", "type": "kubernetes:apps/v1:Deployment", "name": "d", "inputs": {
	"spec": {"template": {"spec": {"containers": containers, "securityContext": pod_security}}},
}}

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.message] | some v in result}

test_allow_hardened_container if {
	workloads.deny == set() with input as plan([deployment([good], {"runAsNonRoot": true})])
}

test_deny_tag_and_root if {
	bad := object.union(object.remove(good, ["securityContext"]), {
		"image": "repo/server:1.2",
		"securityContext": {"runAsNonRoot": false, "allowPrivilegeEscalation": false},
	})
	found(workloads.deny) == {
		[
			"IF-K8S-001",
			"Images pinned by digest: kubernetes:apps/v1:Deployment d container server uses image \"repo/server:1.2\"",
		],
		["IF-K8S-005", "Containers run as non-root: kubernetes:apps/v1:Deployment d container server may run as root"],
		[
			"IF-K8S-006",
			concat("", [
				"Read-only root filesystem: kubernetes:apps/v1:Deployment d container ",
				"server has a writable root filesystem",
			]),
		],
	} with input as plan([deployment([bad], {"runAsNonRoot": true})])
}

test_deny_gpu_request_below_limit_and_no_probes if {
	bad := object.union(object.remove(good, ["resources", "securityContext"]), {
		"readinessProbe": null, "livenessProbe": null,
		"resources": {"limits": {"nvidia.com/gpu": 2}, "requests": {"nvidia.com/gpu": 1}},
		"securityContext": {"readOnlyRootFilesystem": true, "runAsNonRoot": true, "allowPrivilegeEscalation": false},
	})
	found(workloads.deny) == {
		[
			"IF-K8S-002",
			concat("", [
				"Accelerator requests equal limits: kubernetes:apps/v1:Deployment d ",
				"container server requests 1 nvidia.com/gpu but is limited to 2",
			]),
		],
		[
			"IF-K8S-003",
			concat("", [
				"Readiness and liveness probes: kubernetes:apps/v1:Deployment d ",
				"container server has no livenessProbe or readinessProbe",
			]),
		],
		[
			"IF-K8S-004",
			"CPU and memory limits: kubernetes:apps/v1:Deployment d container server has no cpu or memory limit",
		],
	} with input as plan([deployment([bad], {})])
}

test_allow_init_container_without_probes if {
	init := object.remove(good, ["readinessProbe", "livenessProbe"])
	d := deployment([good], {"runAsNonRoot": true})
	with_init := json.patch(d, [{"op": "add", "path": "/inputs/spec/template/spec/initContainers", "value": [init]}])
	workloads.deny == set() with input as plan([with_init])
}

vm(script) := {"urn": "u:vm", "type": "huaweicloud:Ecs/instance:Instance", "name": "vm", "dependencies": [], "inputs": {
	"flavorId": "ai1s.large.4",
	"userData": base64.encode(script),
}}

test_allow_vm_unit_pulling_by_digest if {
	workloads.deny == set() with input as plan([vm(concat("", ["ExecStartPre=/usr/bin/docker pull ", digest, "\n"]))])
}

test_deny_vm_unit_pulling_a_tag if {
	script := "ExecStartPre=/usr/bin/docker pull --quiet repo/server:2.1\nExecStart=/usr/bin/docker run repo/server:2.1\n"
	found(workloads.deny) == {[
		"IF-VM-001",
		"VM images pinned by digest: huaweicloud:Ecs/instance:Instance vm pulls image \"repo/server:2.1\"",
	]} with input as plan([vm(script)])
}

masked_vm := json.patch(vm(""), [
	{"op": "replace", "path": "/inputs/userData", "value": "(sensitive value)"},
	{"op": "add", "path": "/parent", "value": "u:pool"},
])

pool(shown) := {"urn": "u:pool", "type": "inferfleet:gpu_instance:GpuPool", "name": "pool", "inputs": {}, "outputs": {
	"user_data": shown,
}}

test_deny_vm_whose_masked_boot_script_no_pool_shows if {
	found(workloads.deny) == {[
		"IF-VM-002",
		"VM boot scripts readable: huaweicloud:Ecs/instance:Instance vm: its boot script cannot be read",
	]} with input as plan([masked_vm])
}

test_allow_vm_whose_pool_shows_the_boot_script_pinned_by_digest if {
	shown := concat("", ["ExecStartPre=/usr/bin/docker pull ", digest, "\nSECRET=(sensitive value)\n"])
	workloads.deny == set() with input as plan([masked_vm, pool(shown)])
}

test_deny_tag_in_the_boot_script_a_pool_shows if {
	found(workloads.deny) == {[
		"IF-VM-001",
		"VM images pinned by digest: huaweicloud:Ecs/instance:Instance vm pulls image \"repo/server:2.1\"",
	]} with input as plan([masked_vm, pool("ExecStartPre=/usr/bin/docker pull repo/server:2.1\n")])
}

# Pod privilege, for every workload kind (the pod spec sits at a different path in each).
pod(type, spec) := {"urn": sprintf("u:%s", [type]), "type": type, "name": "w", "inputs": _at(type, spec)}

_at("kubernetes:core/v1:Pod", spec) := {"spec": spec}

_at("kubernetes:batch/v1:CronJob", spec) := {"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}

_at(type, spec) := {"spec": {"template": {"spec": spec}}} if {
	not type in {"kubernetes:core/v1:Pod", "kubernetes:batch/v1:CronJob"}
}

kinds := [
	"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet",
	"kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:Pod",
]

hardened_spec := {"securityContext": {"runAsNonRoot": true}, "containers": [good]}

ids(result) := {[v.policy_id, v.urn] | some v in result}

test_allow_hardened_pod_of_every_kind if {
	workloads.deny == set() with input as plan([pod(kind, hardened_spec) | some kind in kinds])
}

test_deny_privileged_host_everything_in_every_kind if {
	evil := object.union(good, {"securityContext": {
		"privileged": true, "allowPrivilegeEscalation": true, "readOnlyRootFilesystem": true,
		"capabilities": {"add": ["SYS_ADMIN"]},
	}})
	spec := {
		"securityContext": {"runAsNonRoot": true}, "hostNetwork": true, "hostPID": true, "hostIPC": true,
		"volumes": [{"name": "root", "hostPath": {"path": "/"}}], "containers": [evil],
	}
	ids(workloads.deny) == {[id, sprintf("u:%s", [kind])] |
		some kind in kinds
		some id in ["IF-K8S-009", "IF-K8S-010", "IF-K8S-011", "IF-K8S-012", "IF-K8S-013"]
	} with input as plan([pod(kind, spec) | some kind in kinds])
}

test_deny_escalation_in_init_and_ephemeral_containers if {
	spec := object.union(hardened_spec, {
		"initContainers": [object.union(good, {"name": "init", "securityContext": {"allowPrivilegeEscalation": true}})],
		"ephemeralContainers": [{
			"name": "debug", "image": digest,
			"securityContext": {"readOnlyRootFilesystem": true, "capabilities": {"add": ["cap_net_admin", "ALL"]}},
		}],
	})
	{[v.policy_id, v.message] | some v in workloads.deny} == {
		[
			"IF-K8S-013",
			"No privilege escalation: kubernetes:apps/v1:Deployment w init container init may escalate privileges",
		],
		[
			"IF-K8S-013",
			"No privilege escalation: kubernetes:apps/v1:Deployment w ephemeral container debug may escalate privileges",
		],
		[
			"IF-K8S-012",
			concat("", [
				"No added capabilities: kubernetes:apps/v1:Deployment w ephemeral container debug ",
				"adds capabilities ALL, NET_ADMIN",
			]),
		],
	} with input as plan([pod("kubernetes:apps/v1:Deployment", spec)])
}

test_deny_sensitive_host_paths if {
	spec := object.union(hardened_spec, {"volumes": [
		{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
		{"name": "etc", "hostPath": {"path": "/etc/"}},
		{"name": "proc", "hostPath": {"path": "/proc"}},
		{"name": "cache", "emptyDir": {"sizeLimit": "100Gi"}},
	]})
	{v.details.path | some v in workloads.deny} == {"/var/run/docker.sock", "/etc/", "/proc"} with input as plan([pod(
		"kubernetes:apps/v1:DaemonSet",
		spec,
	)])
}

test_allow_listed_host_path_but_not_by_traversal if {
	spec := object.union(hardened_spec, {"volumes": [
		{"name": "models", "hostPath": {"path": "/data/models/"}},
		{"name": "escape", "hostPath": {"path": "/data/models/../../etc"}},
	]})
	{v.details.path | some v in workloads.deny} == {"/data/models/../../etc"} with input as plan([pod(
		"kubernetes:apps/v1:Deployment",
		spec,
	)])
		with data.workloads.allowed_host_paths as ["/data/models"]
}

test_allow_net_bind_service if {
	c := object.union(good, {"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}})
	ok := object.union(c, {"securityContext": {"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false}})
	workloads.deny == set() with input as plan([pod(
		"kubernetes:batch/v1:Job",
		object.union(hardened_spec, {"containers": [ok]}),
	)])
}

levels(result) := {[v.policy_id, v.details.found] | some v in result}

namespace(labels) := {"urn": "u:ns", "type": "kubernetes:core/v1:Namespace", "name": "ns", "inputs": {"metadata": {
	"name": "autoglm",
	"labels": labels,
}}}

test_deny_prod_namespace_without_restricted_level if {
	baseline := namespace({"pod-security.kubernetes.io/enforce": "baseline"})
	levels(workloads.deny) == {["IF-K8S-014", "baseline"]} with input as plan([baseline])
	levels(workloads.deny) == {["IF-K8S-014", "none"]} with input as plan([namespace({})])
}

test_allow_restricted_namespace_and_any_level_outside_prod if {
	workloads.deny == set() with input as plan([namespace({"pod-security.kubernetes.io/enforce": "restricted"})])
	workloads.deny == set() with input as object.union(plan([namespace({})]), {"env": "dev"})
}
