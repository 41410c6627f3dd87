# METADATA
# title: Network exposure
# description: GPU nodes and databases stay private, and nothing opens SSH or model ports to the internet.
# custom:
#   version: 1.0.0
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
	_fires(check.when, value)
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

# METADATA
# title: No public IP on GPU nodes or databases
# description: |
#   GPU nodes (instances, node pools, scaling configurations, launch templates with an
#   accelerator flavor) and databases get no public address on any cloud: no EIP or bandwidth,
#   no public IP flag, no EIP association.
# custom:
#   id: IF-NET-001
#   severity: critical
#   enforcement: mandatory
#   remediation: Remove the public IP; reach the nodes through the VPC, a NAT gateway for egress, or a load balancer.
#   version: 1.0.0
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
