# METADATA
# title: Network exposure
# description: |
#   GPU nodes and databases stay private, and no load balancer, Kubernetes API endpoint or
#   Kubernetes Service is open to the internet unless the plan says it is internal.
# custom:
#   version: 2.0.0
package network_exposure

import data.lib

# Resources that must never have a public address: GPU nodes and databases.
private_resources := array.concat(lib.gpu_nodes, lib.of_types(data.network_exposure.database_types))

private_by_urn := {r.urn: r | some r in private_resources}

# The inputs that give a resource a public address, as "<input path>" strings.
public_ip_reasons(r) := _reasons(r, data.network_exposure.public_ip)

_reasons(r, checks) := {concat(".", [sprintf("%v", [p]) | some p in check.path]) |
	some check in checks[r.type]
	some value in _values_at(r.inputs, check.path)
	_fires_check(check, value)
}

# Subnets that hand every instance launched in them a public IP, by URN.
public_subnet_by_urn := {s.urn: s |
	some s in lib.of_types(data.network_exposure.public_subnets)
	count(_reasons(s, data.network_exposure.public_subnets)) > 0
}

# The values at a path of keys; one "*" in the path walks every item of a list.
_values_at(value, path) := [object.get(value, path, null)] if not "*" in path

_values_at(value, path) := [object.get(item, array.slice(path, i + 1, count(path)), null) |
	some i, step in path
	step == "*"
	items := object.get(value, array.slice(path, 0, i), [])
	is_array(items)
	some item in items
] if "*" in path

_fires("set", value) if not value in {null, "", false, 0, {}, []}

_fires("true", value) if value in {true, "true"}

_fires("positive", value) if {
	is_number(value)
	value > 0
}

_fires("present", _)

# Fail closed: a value the plan cannot read may be the one that makes the resource public.
_fires(kind, value) if {
	kind in {"true", "positive"}
	lib.unreadable(value)
}

_fires_check(check, value) if {
	check.when != "other_than"
	_fires(check.when, value)
}

# other_than: anything but the listed values (compared as lower-case text) makes it public,
# absence included (for a default that is public, like an AWS load balancer's internal=false).
_fires_check(check, value) if {
	check.when == "other_than"
	not lower(sprintf("%v", [value])) in {lower(sprintf("%v", [x])) | some x in check.values}
}

# METADATA
# title: No public IP on GPU nodes or databases
# description: |
#   GPU nodes (instances, node pools, scaling configurations, launch templates with an
#   accelerator flavor) and databases get no public address on any cloud: no EIP or bandwidth,
#   no public IP flag, no public database endpoint (AWS publiclyAccessible, Tencent MySQL
#   internet service, an Alibaba RDS public connection). A flag the plan cannot read counts as set.
# custom:
#   id: IF-NET-001
#   severity: critical
#   enforcement: mandatory
#   remediation: Remove the public IP; reach the nodes through the VPC, a NAT gateway for egress, or a load balancer.
#   version: 2.0.0
deny contains v if {
	some r in private_resources
	reasons := public_ip_reasons(r)
	count(reasons) > 0
	reason := concat(", ", sort(reasons))
	detail := sprintf("%s %s asks for a public IP (%s)", [r.type, r.name, reason])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# METADATA
# title: No public IP bound to GPU nodes or databases
# description: No EIP or public-IP association targets a GPU node or a database.
# custom:
#   id: IF-NET-002
#   severity: critical
#   enforcement: mandatory
#   remediation: Remove the EIP association; publish the service through a load balancer instead.
#   version: 1.0.0
deny contains v if {
	some a in lib.of_types(data.network_exposure.eip_attachments)
	some dep in a.dependencies
	target := private_by_urn[dep]
	detail := sprintf("%s %s binds a public IP to %s %s", [a.type, a.name, target.type, target.name])
	v := lib.violation(rego.metadata.rule(), a.urn, detail)
}

# METADATA
# title: GPU nodes not in public-IP subnets
# description: No GPU node (instance, node group, scaling group) is placed in a subnet that maps a public IP on launch.
# custom:
#   id: IF-NET-004
#   severity: critical
#   enforcement: mandatory
#   remediation: Place GPU nodes in private subnets (mapPublicIpOnLaunch false); keep public subnets for load balancers.
#   version: 1.0.0
deny contains v if {
	some r in lib.gpu_nodes
	some dep in r.dependencies
	subnet := public_subnet_by_urn[dep]
	detail := sprintf("%s %s runs in %s %s, which gives it a public IP", [r.type, r.name, subnet.type, subnet.name])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# METADATA
# title: No public load balancer
# description: |
#   No cloud load balancer faces the internet: Huawei dedicated ELBs with an EIP, Alibaba
#   SLB/ALB/NLB of address type internet, Tencent CLBs of network type OPEN, AWS ALB/NLB/ELB not
#   marked internal (the default), and no EIP bound to a load balancer. Publish a model API
#   through a reviewed edge (waiver with owner and expiry), not by default.
# custom:
#   id: IF-NET-006
#   severity: high
#   enforcement: mandatory
#   remediation: Make the load balancer internal (intranet, INTERNAL, internal=true), or waive it saying why.
#   version: 1.0.0
deny contains v if {
	some [urn, detail, details] in facing_internet
	v := lib.violation_with(rego.metadata.rule(), urn, detail, details)
}

# [urn, detail, details] of each way a load balancer faces the internet.
facing_internet contains [r.urn, detail, {"inputs": sort(reasons)}] if {
	some r in lib.of_types(data.network_exposure.public_load_balancers)
	reasons := _reasons(r, data.network_exposure.public_load_balancers)
	count(reasons) > 0
	detail := sprintf("%s %s faces the internet (%s)", [r.type, r.name, concat(", ", sort(reasons))])
}

facing_internet contains [a.urn, detail, {"target": target.urn}] if {
	some a in lib.of_types(data.network_exposure.eip_attachments)
	some dep in a.dependencies
	target := _load_balancer_by_urn[dep]
	detail := sprintf("%s %s binds a public IP to %s %s", [a.type, a.name, target.type, target.name])
}

_load_balancer_by_urn := {r.urn: r | some r in lib.of_types(data.network_exposure.load_balancer_types)}

# METADATA
# title: Kubernetes API not open to the world
# description: |
#   No cluster's Kubernetes API endpoint is public to the whole internet: an EKS public endpoint
#   whose publicAccessCidrs cover every internet address (the default 0.0.0.0/0), a CCE cluster with an EIP, an ACK
#   cluster with an internet SLB for the API server (the default), a TKE cluster or endpoint with
#   cluster internet access. Allowed source ranges are decided as address sets.
# custom:
#   id: IF-NET-007
#   severity: critical
#   enforcement: mandatory
#   remediation: Use a private endpoint (over the VPC or a bastion), or restrict its public sources to known CIDRs.
#   version: 1.0.0
deny contains v if {
	some r in lib.of_types(data.network_exposure.api_endpoints)
	spec := data.network_exposure.api_endpoints[r.type]
	reasons := _reasons(r, {r.type: spec.public})
	count(reasons) > 0
	sources := _api_sources(r, spec)
	_world_or_unreadable(sources)
	detail := sprintf("%s %s has a public API endpoint (%s) open to %s", [
		r.type, r.name, concat(", ", sort(reasons)),
		concat(", ", [sprintf("%v", [s]) | some s in sources]),
	])
	v := lib.violation_with(rego.metadata.rule(), r.urn, detail, {"inputs": sort(reasons), "sources": sources})
}

_api_sources(_, spec) := ["0.0.0.0/0"] if not spec.sources

_api_sources(r, spec) := _as_sources(object.get(r.inputs, spec.sources, null)) if spec.sources

_as_sources(null) := ["0.0.0.0/0"]

_as_sources(value) := value if {
	is_array(value)
	count(value) > 0
}

_as_sources(value) := ["0.0.0.0/0"] if value == []

_as_sources(value) := [value] if {
	not is_array(value)
	value != null
}

_world_or_unreadable(sources) if count(lib.open_families(sources)) > 0

_world_or_unreadable(sources) if {
	some s in sources
	not lib.network(s)
}

# METADATA
# title: Kubernetes Services not exposed by default
# description: |
#   A Kubernetes Service of type LoadBalancer carries the cloud's internal-load-balancer
#   annotation (data.network_exposure.internal_service_annotations for the plan's cloud), or
#   limits loadBalancerSourceRanges to less than every internet address; a NodePort Service is not used
#   (it listens on every node's address).
# custom:
#   id: IF-NET-008
#   severity: high
#   enforcement: mandatory
#   remediation: Use a ClusterIP Service behind the ingress, or mark the LoadBalancer Service internal for the cloud.
#   version: 1.0.0
deny contains v if {
	some r in lib.of_types(["kubernetes:core/v1:Service"])
	kind := object.get(r.inputs, ["spec", "type"], "ClusterIP")
	kind in {"LoadBalancer", "NodePort"}
	not _internal_service(r, kind)
	detail := sprintf("%s %s of type %s is reachable from outside the cluster without an internal marker for %s", [
		r.type, r.name,
		kind, input.cloud,
	])
	v := lib.violation_with(rego.metadata.rule(), r.urn, detail, {"service_type": kind, "cloud": input.cloud})
}

_internal_service(r, "LoadBalancer") if {
	some marker in object.get(data.network_exposure.internal_service_annotations, input.cloud, [])
	value := object.get(r.inputs, ["metadata", "annotations", marker.annotation], null)
	is_string(value)
	regex.match(marker.pattern, value)
}

_internal_service(r, "LoadBalancer") if {
	ranges := object.get(r.inputs, ["spec", "loadBalancerSourceRanges"], [])
	is_array(ranges)
	count(ranges) > 0
	not _world_or_unreadable(ranges)
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in private_resources

examined contains r.type if {
	some table in [
		data.network_exposure.public_subnets, data.network_exposure.eip_attachments,
		data.network_exposure.public_load_balancers, data.network_exposure.load_balancer_types,
		data.network_exposure.api_endpoints, ["kubernetes:core/v1:Service"],
	]
	some r in lib.of_types(table)
}
