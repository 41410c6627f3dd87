# METADATA
# title: Stack version
# description: Production stacks deploy released versions only.
# custom:
#   version: 1.0.0
package stack_version

import data.lib

# METADATA
# title: Released semver in prod
# description: The stack version of a prod stack is MAJOR.MINOR.PATCH, with no pre-release and no build metadata.
# custom:
#   id: IF-VER-001
#   severity: high
#   enforcement: mandatory
#   remediation: Release the stack version (e.g. 2.3.1, not 2.3.1-rc.1 or 2.3.1+build.5) before deploying to prod.
#   version: 1.0.0
deny contains v if {
	input.env in data.stack_version.released_envs
	not _released(input.stack_version)
	detail := sprintf("prod stack %q has version %q", [input.stack, object.get(input, "stack_version", "")])
	v := lib.violation(rego.metadata.rule(), lib.stack_location, detail)
}

_released(version) if {
	is_string(version)
	semver.is_valid(version)
	regex.match(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`, version)
}
