# METADATA
# title: Module versions
# description: |
#   Stacks use module releases no older than their environment's minimum, and hear about the
#   deprecated module inputs they still set.
# custom:
#   version: 1.0.0
package module_versions

import data.lib

# METADATA
# title: Module at the env's minimum version
# description: A module the plan uses is older than the minimum version the policy data sets for the stack's env.
# custom:
#   id: IF-MOD-001
#   severity: high
#   enforcement: mandatory
#   remediation: Upgrade the module to the minimum or newer (`inferfleet modules check` lists the releases) and re-plan.
#   version: 1.0.0
deny contains v if {
	some module, minimum in _minimums
	version := input.modules[module]
	_semver(version)
	semver.compare(version, minimum) < 0
	detail := sprintf("%s %s is older than %s, the minimum for %s", [module, version, minimum, input.env])
	facts := {"module": module, "version": version, "minimum": minimum, "env": input.env}
	v := lib.violation_with(rego.metadata.rule(), lib.stack_location, detail, facts)
}

# METADATA
# title: Module version comparable
# description: |
#   A module with a minimum for the stack's env has a version that is not semver (e.g. 0+unknown),
#   so it cannot be shown to meet the minimum.
# custom:
#   id: IF-MOD-002
#   severity: high
#   enforcement: mandatory
#   remediation: Install a released version of the module (pip install from the module registry) and re-plan.
#   version: 1.0.0
deny contains v if {
	some module, minimum in _minimums
	version := input.modules[module]
	not _semver(version)
	detail := sprintf("%s has version %v, not semver; the minimum for %s is %s", [module, version, input.env, minimum])
	facts := {"module": module, "version": version, "minimum": minimum, "env": input.env}
	v := lib.violation_with(rego.metadata.rule(), lib.stack_location, detail, facts)
}

# METADATA
# title: No deprecated module inputs
# description: The stack's program sets a module input that is deprecated and will be removed in a later major version.
# custom:
#   id: IF-MOD-003
#   severity: low
#   enforcement: advisory
#   remediation: Move to the replacement the deprecation names before upgrading to the version that removes the input.
#   version: 1.0.0
deny contains v if {
	some used in object.get(input, "deprecations", [])
	detail := sprintf("%s %s is deprecated (removed in %s)", [used.module, used.field, used.removed_in])
	v := lib.violation_with(rego.metadata.rule(), lib.stack_location, detail, used)
}

_minimums := object.get(data.module_versions.minimum, input.env, {})

_semver(version) if {
	is_string(version)
	semver.is_valid(version)
}
