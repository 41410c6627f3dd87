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
	"securityContext": {"readOnlyRootFilesystem": true},
}

deployment(containers, pod_security) := {"urn": "u:d", "type": "kubernetes:apps/v1:Deployment", "name": "d", "inputs": {
	"spec": {"template": {"spec": {"containers": containers, "securityContext": pod_security}}},
}}

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.message] | some v in result}

test_allow_hardened_container if {
	workloads.deny with input as plan([deployment([good], {"runAsNonRoot": true})]) == set()
}

test_deny_tag_and_root if {
	bad := object.union(object.remove(good, ["securityContext"]), {
		"image": "repo/server:1.2",
		"securityContext": {"runAsNonRoot": false},
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
		"securityContext": {"readOnlyRootFilesystem": true, "runAsNonRoot": true},
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
	workloads.deny with input as plan([with_init]) == set()
}

vm(script) := {"urn": "u:vm", "type": "huaweicloud:Ecs/instance:Instance", "name": "vm", "dependencies": [], "inputs": {
	"flavorId": "ai1s.large.4",
	"userData": base64.encode(script),
}}

test_allow_vm_unit_pulling_by_digest if {
	workloads.deny with input as plan([vm(concat("", ["ExecStartPre=/usr/bin/docker pull ", digest, "\n"]))]) == set()
}

test_deny_vm_unit_pulling_a_tag if {
	script := "ExecStartPre=/usr/bin/docker pull --quiet repo/server:2.1\nExecStart=/usr/bin/docker run repo/server:2.1\n"
	found(workloads.deny) == {[
		"IF-VM-001",
		"VM images pinned by digest: huaweicloud:Ecs/instance:Instance vm pulls image \"repo/server:2.1\"",
	]} with input as plan([vm(script)])
}
