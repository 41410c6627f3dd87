# METADATA
# title: Canary
# description: Canary traffic moves up one declared stage at a time (or in small steps when none are declared).
# custom:
#   version: 2.0.0
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

# The stages a canary declares (the module writes them as "5,20,100"), or undefined when it declares none.
stages(inputs) := list if {
	items := split(_declared(inputs), ",")
	list := [_number(trim_space(s)) | some s in items]
	count(list) == count(items)
}

_declared(inputs) := text if {
	text := object.get(inputs, ["metadata", "annotations", data.canary.stages_annotation], null)
	is_string(text)
}

# Stages are numbers from 1 to 100 (every item readable), strictly increasing, ending at 100.
valid_stages(list) if {
	count(list) > 0
	every s in list {
		s > 0
	}
	count({i | some i, s in list; i > 0; list[i - 1] >= s}) == 0
	list[count(list) - 1] == 100
}

# The stage a move may reach from `old`: the first declared stage above it.
next_stage(list, old) := min({s | some s in list; s > old})

# METADATA
# title: Canary moves one declared stage at a time
# description: |
#   A canary that declares its stages (the inferfleet.io/canary-stages annotation, e.g. 5,20,100)
#   moves from the previous weight (the --base plan or the preview's old state; 0 when new) to
#   the next declared stage, never skipping one; lowering the weight (a rollback) is always
#   allowed. A canary without declared stages raises its weight by at most data.canary.max_step
#   points (20) per change.
# custom:
#   id: IF-CAN-001
#   severity: high
#   enforcement: mandatory
#   remediation: Move to the next declared stage only (set canary.stage to the following index); roll back freely.
#   version: 2.0.0
deny contains v if {
	some [r, detail, details] in raises
	v := lib.violation_with(rego.metadata.rule(), r.urn, detail, details)
}

# [canary, detail, details] of every raise beyond what the canary's stages (or the ceiling) allow.
raises contains [r, detail, {"from": old, "to": new, "stages": list}] if {
	some r in canaries
	new := _number(weight(r.inputs))
	old := previous_weight(r)
	list := stages(r.inputs)
	valid_stages(list)
	new > old
	new != next_stage(list, old)
	detail := sprintf("%s %s raises canary traffic from %v%% to %v%%; the next declared stage is %v%% (stages %s)", [
		r.type, r.name, old, new,
		next_stage(list, old), _declared(r.inputs),
	])
}

raises contains [r, detail, {"from": old, "to": new, "max_step": data.canary.max_step}] if {
	some r in canaries
	not _declared(r.inputs)
	new := _number(weight(r.inputs))
	old := previous_weight(r)
	new - old > data.canary.max_step
	detail := sprintf("%s %s raises canary traffic from %v%% to %v%%, more than %v points", [
		r.type, r.name,
		old, new, data.canary.max_step,
	])
}

# METADATA
# title: Canary stages well-formed
# description: |
#   Declared canary stages are numbers from 1 to 100, strictly increasing, ending at 100, and the
#   canary's weight is one of them (or 0).
# custom:
#   id: IF-CAN-003
#   severity: high
#   enforcement: mandatory
#   remediation: Declare increasing percentages ending at 100 (e.g. 5,20,100); set the weight to one of them.
#   version: 1.0.0
deny contains v if {
	some r in canaries
	_declared(r.inputs)
	not _well_staged(r.inputs)
	detail := sprintf("%s %s declares stages %q with weight %v", [r.type, r.name, _declared(r.inputs), weight(r.inputs)])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

_well_staged(inputs) if {
	list := stages(inputs)
	valid_stages(list)
	_number(weight(inputs)) in array.concat([0], list)
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

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in canaries
