# METADATA
# title: Canary
# description: Canary traffic moves up in small steps from the previous stage.
# custom:
#   version: 1.0.0
package canary

import data.lib

# Canary objects: any resource annotated with a canary weight.
canaries := [r |
	some t, rs in lib.by_type
	startswith(t, "kubernetes:")
	some r in rs
	object.get(r.inputs, ["metadata", "annotations", data.canary.weight_annotation], null) != null
]

weight(inputs) := object.get(inputs, ["metadata", "annotations", data.canary.weight_annotation], null)

_number(text) := to_number(text) if regex.match(`^[0-9]+(\.[0-9]+)?$`, sprintf("%v", [text]))

# The weight before this change: the base plan's or the preview's old inputs; 0 for a new canary.
previous_weight(r) := _number(weight(r.old_inputs)) if weight(r.old_inputs) != null

previous_weight(r) := 0 if not r.old_inputs

previous_weight(r) := 0 if {
	r.old_inputs
	weight(r.old_inputs) == null
}

# METADATA
# title: Canary step within the allowed raise
# description: |
#   A new canary stage raises the traffic weight by at most data.canary.max_step points (20)
#   over the previous stage (the --base plan or the preview's old state; 0 when the canary is new).
# custom:
#   id: IF-CAN-001
#   severity: high
#   enforcement: mandatory
#   remediation: Move to the next canary stage only; add intermediate stages for larger raises.
#   version: 1.0.0
deny contains v if {
	some r in canaries
	new := _number(weight(r.inputs))
	old := previous_weight(r)
	new - old > data.canary.max_step
	detail := sprintf("%s %s raises canary traffic from %v%% to %v%%, more than %v points", [
		r.type, r.name,
		old, new, data.canary.max_step,
	])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# METADATA
# title: Canary weight well-formed
# description: A canary weight annotation is a number from 0 to 100.
# custom:
#   id: IF-CAN-002
#   severity: high
#   enforcement: mandatory
#   remediation: Write the weight as a number of percent points between 0 and 100.
#   version: 1.0.0
deny contains v if {
	some r in canaries
	not _valid_weight(weight(r.inputs))
	detail := sprintf("%s %s has canary weight %v", [r.type, r.name, weight(r.inputs)])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

_valid_weight(text) if {
	n := _number(text)
	n <= 100
}
