# METADATA
# title: Workloads
# description: Inference containers on Kubernetes are pinned, bounded, probed and hardened.
# custom:
#   version: 1.0.0
package workloads

import data.lib

# Every container of every workload as {r, c, init} (init containers included).
containers := [{"r": r, "c": c, "init": kind == "initContainers"} |
	some r in lib.of_types(data.workloads.pod_spec_paths)
	path := data.workloads.pod_spec_paths[r.type]
	some kind in ["containers", "initContainers"]
	some c in object.get(r.inputs, array.concat(path, [kind]), [])
]

pod_spec(r) := object.get(r.inputs, data.workloads.pod_spec_paths[r.type], {})

_where(x) := sprintf("%s %s container %s", [x.r.type, x.r.name, object.get(x.c, "name", "?")])

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
	not x.init
	missing := {p | some p in ["readinessProbe", "livenessProbe"]; not is_object(x.c[p])}
	count(missing) > 0
	detail := sprintf("%s has no %s", [_where(x), concat(" or ", sort(missing))])
	v := lib.violation(rego.metadata.rule(), x.r.urn, detail)
}

# METADATA
# title: CPU and memory limits
# description: Every container sets CPU and memory limits.
# custom:
#   id: IF-K8S-004
#   severity: medium
#   enforcement: mandatory
#   remediation: Set resources.limits.cpu and resources.limits.memory (the service spec's cpu and memory).
#   version: 1.0.0
deny contains v if {
	some x in containers
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
