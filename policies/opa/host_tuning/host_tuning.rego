# METADATA
# title: Host tuning
# description: Production GPU nodes boot with the fleet's host-tuning profile (BBR, buffers, I/O scheduler).
# custom:
#   version: 1.0.0
package host_tuning

import data.lib

# User-data a node boots with: its own and that of the templates it depends on (decoded when base64).
boot_texts(r) := lib.user_data_texts(r) | {t |
	some dep in r.dependencies
	some t in lib.user_data_texts(lib.templates[dep])
}

_own_gpu_flavor(r) if {
	some flavor in lib.strings_at(r.inputs, object.get(lib.compute_spec(r), "flavors", []))
	lib.accelerator_flavor(flavor)
}

# METADATA
# title: Host tuning on prod GPU nodes
# description: |
#   Every GPU instance, node pool, scaling configuration or launch template of a prod stack boots
#   with user-data that carries the host-tuning profile marker.
# custom:
#   id: IF-HOST-001
#   severity: medium
#   enforcement: mandatory
#   remediation: Render the pool's tuning profile into its user-data (inferfleet-gpu-instance does it for every pool).
#   version: 1.0.0
deny contains v if {
	input.env in data.host_tuning.envs
	some r in lib.gpu_nodes
	_own_gpu_flavor(r)
	not _tuned(r)
	detail := sprintf("%s %s boots without the host-tuning profile marker", [r.type, r.name])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

_tuned(r) if {
	some text in boot_texts(r)
	regex.match(data.host_tuning.marker_pattern, text)
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in lib.gpu_nodes
