# METADATA
# title: Accelerators
# description: Which accelerator flavors each env may run, and how many accelerators one stack may reach.
# custom:
#   version: 1.0.0
package accelerators

import data.lib

# METADATA
# title: Accelerator flavor allowed for the env
# description: |
#   Every accelerator flavor a compute resource names (an instance, node pool, scaling
#   configuration or launch template) is listed for the stack's env in data.accelerators.allowed_flavors.
# custom:
#   id: IF-ACC-001
#   severity: high
#   enforcement: mandatory
#   remediation: Pick a flavor allowed for the env (policies/opa/accelerators/data.yaml) in the pool spec.
#   version: 1.0.0
deny contains v if {
	some r in lib.of_types(data.lib.compute_types)
	spec := lib.compute_spec(r)
	some flavor in lib.strings_at(r.inputs, object.get(spec, "flavors", []))
	lib.accelerator_flavor(flavor)
	not flavor in object.get(data.accelerators.allowed_flavors, input.env, [])
	detail := sprintf("%s %s uses flavor %q, not allowed for env %q", [r.type, r.name, flavor, input.env])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# Accelerators each node-bearing resource can reach: nodes at max size x accelerators per node.
accelerators_by_resource[r.urn] := n if {
	some r in lib.gpu_nodes
	n := lib.max_nodes(r) * lib.accelerators_per_node(r)
	n > 0
}

total_accelerators := sum([n | some n in accelerators_by_resource])

# METADATA
# title: Accelerator count within the env's ceiling
# description: |
#   The accelerators a stack reaches with every pool at its maximum size stay within the
#   ceiling for its env (data.accelerators.gpu_ceiling).
# custom:
#   id: IF-ACC-002
#   severity: high
#   enforcement: mandatory
#   remediation: Lower max_count of the pools, or raise the env's ceiling in policies/opa/accelerators/data.yaml.
#   version: 1.0.0
deny contains v if {
	ceiling := object.get(data.accelerators.gpu_ceiling, input.env, 0)
	total_accelerators > ceiling
	detail := sprintf("the stack reaches %d accelerators, above the %q ceiling of %d", [
		total_accelerators,
		input.env, ceiling,
	])
	v := lib.violation(rego.metadata.rule(), lib.stack_location, detail)
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in lib.of_types(data.lib.compute_types)
