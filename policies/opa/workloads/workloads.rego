# METADATA
# title: Workloads
# description: |
#   Inference containers on Kubernetes are pinned, bounded, probed and hardened, run without host
#   privileges in every workload kind, in namespaces that enforce the restricted Pod Security level.
# custom:
#   version: 2.0.0
package workloads

import data.lib

# Every container of every workload (lib.pod_spec_paths: Deployment, StatefulSet, DaemonSet, Job,
# CronJob, Pod, ...) as {r, c, kind}: containers, initContainers and ephemeralContainers.
containers := lib.containers

pod_spec(r) := lib.pod_spec(r)

_where(x) := sprintf("%s %s %s %s", [x.r.type, x.r.name, _kind_name[x.kind], object.get(x.c, "name", "?")])

_kind_name := {
	"containers": "container",
	"initContainers": "init container",
	"ephemeralContainers": "ephemeral container",
}

# METADATA
# title: Images pinned by digest
# description: Every container image is referenced by digest (repo@sha256:...), never by a tag alone.
# custom:
#   id: IF-K8S-001
#   severity: high
#   enforcement: mandatory
#   remediation: Reference the image as repo@sha256:<digest> (the stack spec refuses tags).
#   version: 1.0.0
deny contains v if {
	some x in containers
	image := object.get(x.c, "image", "")
	not regex.match(data.workloads.digest_pattern, image)
	v := lib.violation(rego.metadata.rule(), x.r.urn, sprintf("%s uses image %q", [_where(x), image]))
}

# METADATA
# title: Accelerator requests equal limits
# description: A container that asks for an accelerator (nvidia.com/gpu, huawei.com/Ascend*) requests exactly its limit.
# custom:
#   id: IF-K8S-002
#   severity: high
#   enforcement: mandatory
#   remediation: Set resources.requests and resources.limits of the accelerator to the same count.
#   version: 1.0.0
deny contains v if {
	some x in containers
	resources := object.get(x.c, "resources", {})
	some name in object.keys(object.union(object.get(resources, "requests", {}), object.get(resources, "limits", {})))
	regex.match(data.workloads.accelerator_resource_pattern, name)
	requested := sprintf("%v", [object.get(resources, ["requests", name], "none")])
	limited := sprintf("%v", [object.get(resources, ["limits", name], "none")])
	requested != limited
	detail := sprintf("%s requests %s %s but is limited to %s", [_where(x), requested, name, limited])
	v := lib.violation(rego.metadata.rule(), x.r.urn, detail)
}

# METADATA
# title: Readiness and liveness probes
# description: Every (non-init) container has a readiness probe and a liveness probe.
# custom:
#   id: IF-K8S-003
#   severity: medium
#   enforcement: mandatory
#   remediation: Add readinessProbe and livenessProbe on the model server's health endpoint.
#   version: 1.0.0
deny contains v if {
	some x in containers
	x.kind == "containers"
	missing := {p | some p in ["readinessProbe", "livenessProbe"]; not is_object(x.c[p])}
	count(missing) > 0
	detail := sprintf("%s has no %s", [_where(x), concat(" or ", sort(missing))])
	v := lib.violation(rego.metadata.rule(), x.r.urn, detail)
}

# METADATA
# title: CPU and memory limits
# description: Every container and init container sets CPU and memory limits (ephemeral containers cannot).
# custom:
#   id: IF-K8S-004
#   severity: medium
#   enforcement: mandatory
#   remediation: Set resources.limits.cpu and resources.limits.memory (the service spec's cpu and memory).
#   version: 1.0.0
deny contains v if {
	some x in containers
	x.kind != "ephemeralContainers"
	missing := {k | some k in ["cpu", "memory"]; object.get(x.c, ["resources", "limits", k], null) == null}
	count(missing) > 0
	detail := sprintf("%s has no %s limit", [_where(x), concat(" or ", sort(missing))])
	v := lib.violation(rego.metadata.rule(), x.r.urn, detail)
}

# METADATA
# title: Containers run as non-root
# description: Every container runs with runAsNonRoot, set on the container or inherited from the pod.
# custom:
#   id: IF-K8S-005
#   severity: high
#   enforcement: mandatory
#   remediation: Set securityContext.runAsNonRoot true on the pod or the container.
#   version: 1.0.0
deny contains v if {
	some x in containers
	not _non_root(x)
	v := lib.violation(rego.metadata.rule(), x.r.urn, sprintf("%s may run as root", [_where(x)]))
}

_non_root(x) if x.c.securityContext.runAsNonRoot == true

_non_root(x) if {
	pod_spec(x.r).securityContext.runAsNonRoot == true
	object.get(x.c, ["securityContext", "runAsNonRoot"], true) == true
}

# METADATA
# title: Read-only root filesystem
# description: Every container mounts its root filesystem read-only.
# custom:
#   id: IF-K8S-006
#   severity: medium
#   enforcement: mandatory
#   remediation: Set securityContext.readOnlyRootFilesystem true; mount emptyDir volumes for caches and /tmp.
#   version: 1.0.0
deny contains v if {
	some x in containers
	object.get(x.c, ["securityContext", "readOnlyRootFilesystem"], false) != true
	v := lib.violation(rego.metadata.rule(), x.r.urn, sprintf("%s has a writable root filesystem", [_where(x)]))
}

# Images VM boot scripts pull: [urn, type, name, image] (services placed on GPU VMs as systemd units).
vm_images contains [r.urn, r.type, r.name, match[1]] if {
	some r in lib.of_types(data.lib.compute_types)
	some text in lib.user_data_texts(r)
	contains(text, " pull ") # a cheap test first: most user-data pulls nothing
	some match in regex.find_all_string_submatch_n(data.workloads.vm_pull_pattern, text, -1)
}

# METADATA
# title: VM images pinned by digest
# description: A GPU VM's boot script pulls container images by digest (repo@sha256:...), never by a tag alone.
# custom:
#   id: IF-VM-001
#   severity: high
#   enforcement: mandatory
#   remediation: Reference the image as repo@sha256:<digest> in the service spec; the VM unit pulls what it names.
#   version: 1.0.0
deny contains v if {
	some [urn, type, name, image] in vm_images
	not regex.match(data.workloads.digest_pattern, image)
	v := lib.violation(rego.metadata.rule(), urn, sprintf("%s %s pulls image %q", [type, name, image]))
}

# METADATA
# title: VM boot scripts readable
# description: >-
#   A GPU VM's user data that the plan masks (unknown until apply, or a secret) and that no GPU pool
#   publishes with its secrets as placeholders cannot be checked: the gate does not pass what it cannot read.
# custom:
#   id: IF-VM-002
#   severity: high
#   enforcement: mandatory
#   remediation: >-
#     Create the VM through the gpu_instance module (its pool publishes the readable user data), or waive
#     this resource with the reason the boot script is trusted.
#   version: 1.0.0
deny contains v if {
	some r in lib.unreadable_user_data
	v := lib.violation_with(rego.metadata.rule(), r.urn, sprintf("%s %s: its boot script cannot be read", [r.type, r.name]), {
		"reason": "user data masked in the plan",
	})
}

# METADATA
# title: No privileged containers
# description: No container, init container or ephemeral container runs privileged.
# custom:
#   id: IF-K8S-009
#   severity: critical
#   enforcement: mandatory
#   remediation: Remove securityContext.privileged; grant the one capability or device the server needs instead.
#   version: 1.0.0
deny contains v if {
	some x in containers
	_true_or_unreadable(object.get(x.c, ["securityContext", "privileged"], false))
	v := lib.violation_with(rego.metadata.rule(), x.r.urn, sprintf("%s runs privileged", [_where(x)]), {
		"container": object.get(x.c, "name", "?"),
		"kind": x.kind,
	})
}

_true_or_unreadable(value) if value in {true, "true"}

_true_or_unreadable(value) if lib.unreadable(value)

# METADATA
# title: No host namespaces
# description: No pod shares the node's network, process or IPC namespace (hostNetwork, hostPID, hostIPC).
# custom:
#   id: IF-K8S-010
#   severity: critical
#   enforcement: mandatory
#   remediation: Drop hostNetwork, hostPID and hostIPC; expose the server through a Service.
#   version: 1.0.0
deny contains v if {
	some r in lib.workloads
	spec := pod_spec(r)
	shared := {key | some key in ["hostNetwork", "hostPID", "hostIPC"]; _true_or_unreadable(object.get(spec, key, false))}
	count(shared) > 0
	detail := sprintf("%s %s uses %s", [r.type, r.name, concat(", ", sort(shared))])
	v := lib.violation_with(rego.metadata.rule(), r.urn, detail, {"host_namespaces": sort(shared)})
}

# METADATA
# title: No host paths
# description: |
#   No pod mounts a hostPath volume (the node's /, /etc, /proc, the container runtime socket, ...)
#   other than those listed in data.workloads.allowed_host_paths (none by default). Paths with ".."
#   or that the plan cannot read are never allowed.
# custom:
#   id: IF-K8S-011
#   severity: critical
#   enforcement: mandatory
#   remediation: Use emptyDir, a PersistentVolumeClaim or a ConfigMap; a device plugin gives access to accelerators.
#   version: 1.0.0
deny contains v if {
	some r in lib.workloads
	some volume in object.get(pod_spec(r), "volumes", [])
	volume.hostPath
	path := object.get(volume, ["hostPath", "path"], "")
	not _allowed_host_path(path)
	detail := sprintf("%s %s mounts host path %q (volume %s)", [r.type, r.name, path, object.get(volume, "name", "?")])
	v := lib.violation_with(rego.metadata.rule(), r.urn, detail, {"path": path, "volume": object.get(volume, "name", "?")})
}

_allowed_host_path(path) if {
	is_string(path)
	not contains(path, "..")
	trim_right(path, "/") in {trim_right(p, "/") | some p in data.workloads.allowed_host_paths}
}

# METADATA
# title: No added capabilities
# description: |
#   Containers add no Linux capability beyond data.workloads.allowed_capabilities (NET_BIND_SERVICE,
#   as the restricted Pod Security level allows); SYS_ADMIN, NET_ADMIN, ALL and the like are refused
#   however they are spelled (case, CAP_ prefix).
# custom:
#   id: IF-K8S-012
#   severity: high
#   enforcement: mandatory
#   remediation: Remove the capability from securityContext.capabilities.add; drop ALL instead.
#   version: 1.0.0
deny contains v if {
	some x in containers
	added := {upper(trim_prefix(upper(sprintf("%v", [c])), "CAP_")) | some c in _added(x.c)}
	extra := added - {upper(c) | some c in data.workloads.allowed_capabilities}
	count(extra) > 0
	detail := sprintf("%s adds capabilities %s", [_where(x), concat(", ", sort(extra))])
	v := lib.violation_with(rego.metadata.rule(), x.r.urn, detail, {"capabilities": sort(extra)})
}

_added(c) := added if {
	added := object.get(c, ["securityContext", "capabilities", "add"], [])
	is_array(added)
}

_added(c) := [added] if {
	added := object.get(c, ["securityContext", "capabilities", "add"], [])
	not is_array(added)
}

# METADATA
# title: No privilege escalation
# description: Every container sets securityContext.allowPrivilegeEscalation to false (Kubernetes defaults it to true).
# custom:
#   id: IF-K8S-013
#   severity: high
#   enforcement: mandatory
#   remediation: Set securityContext.allowPrivilegeEscalation false on every container, init and ephemeral ones too.
#   version: 1.0.0
deny contains v if {
	some x in containers
	object.get(x.c, ["securityContext", "allowPrivilegeEscalation"], true) != false
	v := lib.violation(rego.metadata.rule(), x.r.urn, sprintf("%s may escalate privileges", [_where(x)]))
}

# METADATA
# title: Namespaces enforce the restricted Pod Security level
# description: |
#   In the envs listed in data.workloads.pod_security_enforce (prod), every Namespace carries the
#   label pod-security.kubernetes.io/enforce with the required level (restricted), so the API
#   server refuses privileged pods that this gate never saw.
# custom:
#   id: IF-K8S-014
#   severity: high
#   enforcement: mandatory
#   remediation: Label the namespace pod-security.kubernetes.io/enforce=restricted (the inference_service module does).
#   version: 1.0.0
deny contains v if {
	level := data.workloads.pod_security_enforce[input.env]
	some r in lib.of_types(["kubernetes:core/v1:Namespace"])
	found := object.get(r.inputs, ["metadata", "labels", "pod-security.kubernetes.io/enforce"], "none")
	found != level
	detail := sprintf("%s %s enforces Pod Security level %q, not %q", [r.type, r.name, found, level])
	v := lib.violation_with(rego.metadata.rule(), r.urn, detail, {"found": found, "required": level})
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in lib.workloads

examined contains r.type if some r in lib.of_types(["kubernetes:core/v1:Namespace"])

examined contains r.type if some r in lib.of_types(data.lib.compute_types)
