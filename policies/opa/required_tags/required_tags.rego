# METADATA
# title: Required tags
# description: Ownership tags on every taggable resource, so cost and incidents reach a team.
# custom:
#   version: 1.0.0
package required_tags

import data.lib

# METADATA
# title: Required tags present
# description: |
#   Every taggable resource (the types listed in data.required_tags.taggable_types) carries the
#   tags team, env, cost-center, stack and stack-version with non-empty values. Tags set on an
#   AWS provider's defaultTags count.
# custom:
#   id: IF-TAG-001
#   severity: high
#   enforcement: mandatory
#   remediation: Pass the fleet tags (inferfleet.compose.tags.fleet_tags) to the resource's tags input.
#   version: 1.0.0
deny contains v if {
	some [r, tags] in tagged
	missing := {key | some key in data.required_tags.required_keys; not _has_value(tags, key)}
	count(missing) > 0
	detail := sprintf("%s %s lacks tag(s) %s", [r.type, r.name, concat(", ", sort(missing))])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# METADATA
# title: Tags agree with the plan
# description: The env, stack and stack-version tags hold the plan's env, stack name and stack version.
# custom:
#   id: IF-TAG-002
#   severity: medium
#   enforcement: mandatory
#   remediation: Derive the tags from the stack spec (fleet_tags) instead of writing them by hand.
#   version: 1.0.0
deny contains v if {
	some [r, tags] in tagged
	some key, field in data.required_tags.plan_values
	_has_value(tags, key)
	tags[key] != input[field]
	detail := sprintf("%s %s has tag %s=%q, the plan says %q", [r.type, r.name, key, tags[key], input[field]])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# METADATA
# title: Owner tag present
# description: Taggable resources name a reachable owner (an on-call alias or a person) in the owner tag.
# custom:
#   id: IF-TAG-003
#   severity: low
#   enforcement: advisory
#   remediation: Set tags.owner in the stack spec; fleet_tags puts it on every resource.
#   version: 1.0.0
deny contains v if {
	some [r, tags] in tagged
	not _has_value(tags, "owner")
	v := lib.violation(rego.metadata.rule(), r.urn, sprintf("%s %s has no owner tag", [r.type, r.name]))
}

# Every taggable resource with its tags, computed once for the three rules.
tagged := [[r, effective_tags(r)] | some r in lib.of_types(data.required_tags.taggable_types)]

# The tags of a taggable resource: its own over its provider's default tags.
effective_tags(r) := object.union(default_tags[r.provider], _own_tags(r)) if {
	default_tags[r.provider]
} else := _own_tags(r)

# A tags map, or a list of {key, value} (AWS Auto Scaling groups); anything else (unknown) is no tags.
_own_tags(r) := tags if {
	tags := object.get(r.inputs, data.required_tags.taggable_types[r.type], {})
	is_object(tags)
} else := {t.key: t.value |
	some t in object.get(r.inputs, data.required_tags.taggable_types[r.type], [])
	is_object(t)
}

# Default tags by provider URN. Provider config reaches the plan as JSON text (how Pulumi passes
# provider inputs) or as an object.
default_tags := {p.urn: tags |
	some t, providers in lib.by_type
	startswith(t, "pulumi:providers:")
	some p in providers
	tags := _config_object(p.inputs.defaultTags).tags
	is_object(tags)
}

_config_object(value) := json.unmarshal(value) if is_string(value)

_config_object(value) := value if is_object(value)

_has_value(tags, key) if {
	is_string(tags[key])
	tags[key] != ""
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some [r, _] in tagged
