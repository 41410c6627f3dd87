# METADATA
# title: Stack version bump
# description: A stack's declared version rises at least as much as its plan diff against the base implies.
# custom:
#   version: 1.1.0
package stack_bump

import data.lib

# METADATA
# title: Version bump follows the plan diff
# description: >-
#   Gated against a base plan (`gate --base`, `diff`), the head's stack version is at least the semver
#   bump the diff implies: a replacement, a deletion or accelerators lost need a major bump, a new
#   resource or accelerators gained a minor one, any other in-place update a patch.
# custom:
#   id: IF-VER-002
#   severity: high
#   enforcement: mandatory
#   remediation: >-
#     Run `inferfleet stack bump -s <stack>` (it writes the version and the changelog entry), or undo
#     the change that forces the bump.
#   version: 1.1.0
deny contains v if {
	not input.env in data.stack_bump.exempt_envs
	implied := input.base.implied_bump
	declared := _declared(input.base.stack_version, input.stack_version)
	_rank[declared] < _rank[implied]
	detail := sprintf(
		"the diff against the base implies a %s bump, but the version goes from %q to %q (%s)",
		[implied, input.base.stack_version, input.stack_version, declared],
	)
	facts := {
		"base_version": input.base.stack_version, "head_version": input.stack_version,
		"implied_bump": implied, "declared_bump": declared,
	}
	v := lib.violation_with(rego.metadata.rule(), lib.stack_location, detail, facts)
}

_rank := {"invalid": -2, "lower": -1, "none": 0, "patch": 1, "minor": 2, "major": 3}

_core(version) := [to_number(part) | some part in split(regex.split(`[-+]`, version)[0], ".")]

_declared(base, head) := "invalid" if {
	not _valid(base)
} else := "invalid" if {
	not _valid(head)
} else := "lower" if {
	semver.compare(head, base) < 0
} else := _higher(_between(base, head), _reserved(base))

_between(base, head) := "major" if {
	_core(head)[0] > _core(base)[0]
} else := "minor" if {
	_core(head)[1] > _core(base)[1]
} else := "patch" if {
	_core(head)[2] > _core(base)[2]
} else := "none"

# A pre-release stands for the bump to its own release: 1.0.0-rc.1 for a major, 1.2.0-rc.1 for a
# minor, 1.2.3-rc.1 for a patch (as inferfleet.diff.compare.reserved_bump).
_reserved(version) := "none" if {
	not contains(regex.split(`\+`, version)[0], "-")
} else := "major" if {
	_core(version)[1] == 0
	_core(version)[2] == 0
} else := "minor" if {
	_core(version)[2] == 0
} else := "patch"

_higher(a, b) := a if _rank[a] >= _rank[b]

else := b

_valid(version) if {
	is_string(version)
	semver.is_valid(version)
}
