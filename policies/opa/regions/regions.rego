# METADATA
# title: Regions
# description: Where each env may run, and mainland China stacks stay in mainland China.
# custom:
#   version: 1.0.0
package regions

import data.lib

# Input keys that name a region (a set: intersected with each resource's keys, natively).
region_keys := {key | some key in data.regions.region_inputs}

# Every region the plan uses: [cloud, region, urn of the resource that names it].
regions_used contains [input.cloud, input.region, lib.stack_location]

regions_used contains [cloud, region, r.urn] if {
	some t, resources in lib.by_type
	not startswith(t, "kubernetes:") # Kubernetes objects live wherever their cluster is
	some r in resources
	some key in (object.keys(r.inputs) & region_keys)
	region := r.inputs[key]
	cloud := _cloud(r)
	is_string(region)
	region != "(known after apply)"
}

_cloud(r) := trim_prefix(r.type, "pulumi:providers:") if startswith(r.type, "pulumi:providers:")

_cloud(r) := split(r.type, ":")[0] if not startswith(r.type, "pulumi:")

# METADATA
# title: Region allowed for the env
# description: Every region a stack uses (its own, its providers', any resource's) is allowed for its env and cloud.
# custom:
#   id: IF-REG-001
#   severity: high
#   enforcement: mandatory
#   remediation: Use a region listed for the env in policies/opa/regions/data.yaml (or add it there).
#   version: 1.0.0
deny contains v if {
	some [cloud, region, urn] in regions_used
	not region in object.get(data.regions.allowed_regions, [input.env, cloud], [])
	detail := sprintf("%s region %q is not allowed for env %q", [cloud, region, input.env])
	v := lib.violation(rego.metadata.rule(), urn, detail)
}

# METADATA
# title: China stacks stay in mainland China
# description: A stack named like prod-cn-* uses mainland China regions only.
# custom:
#   id: IF-REG-002
#   severity: critical
#   enforcement: mandatory
#   remediation: Use a mainland China region for this stack, or rename the stack if it is not a China stack.
#   version: 1.0.0
deny contains v if {
	regex.match(data.regions.china_stack_pattern, input.stack)
	some [cloud, region, urn] in regions_used
	not region in object.get(data.regions.mainland_china_regions, cloud, [])
	detail := sprintf("stack %q uses %s region %q outside mainland China", [input.stack, cloud, region])
	v := lib.violation(rego.metadata.rule(), urn, detail)
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads):
# those that name a region (providers included).
examined contains r.type if {
	some t, resources in lib.by_type
	not startswith(t, "kubernetes:")
	some r in resources
	count(object.keys(r.inputs) & region_keys) > 0
}
