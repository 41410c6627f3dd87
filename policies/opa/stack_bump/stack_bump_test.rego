package stack_bump_test

import data.stack_bump

plan(base, implied, head) := {
	"env": "prod", "stack": "prod-x", "stack_version": head, "resources": [],
	"base": {"stack_version": base, "implied_bump": implied},
}

denial(base, implied, head, declared) := {[
	"IF-VER-002", "stack",
	sprintf(
		"%s: the diff against the base implies a %s bump, but the version goes from %q to %q (%s)",
		["Version bump follows the plan diff", implied, base, head, declared],
	),
]}

found(p) := result if {
	result := {[v.policy_id, v.urn, v.message] | some v in stack_bump.deny} with input as p
}

test_allow_major_bump_for_a_replacement if {
	found(plan("1.4.2", "major", "2.0.0")) == set()
}

test_allow_the_release_of_a_pre_release if {
	found(plan("1.0.0-rc.1", "major", "1.0.0")) == set()
	found(plan("1.0.0-rc.1", "patch", "1.0.0-rc.2")) == set()
	found(plan("1.2.3-rc.1", "patch", "1.2.3")) == set()
	found(plan("1.2.0-rc.1+build.5", "minor", "1.2.0")) == set()
}

test_deny_a_pre_release_released_below_the_bump_needed if {
	found(plan("1.2.3-rc.1", "minor", "1.2.3")) == denial("1.2.3-rc.1", "minor", "1.2.3", "patch")
}

test_allow_more_than_needed if {
	found(plan("1.4.2", "patch", "1.5.0")) == set()
}

test_allow_no_change_without_bump if {
	found(plan("1.4.2", "none", "1.4.2")) == set()
}

test_allow_without_base if {
	stack_bump.deny == set() with input as {"env": "prod", "stack": "prod-x", "stack_version": "1.0.0"}
}

test_deny_replacement_with_minor_bump if {
	found(plan("1.4.2", "major", "1.5.0")) == denial("1.4.2", "major", "1.5.0", "minor")
}

test_deny_create_with_patch_bump if {
	found(plan("1.4.2", "minor", "1.4.3")) == denial("1.4.2", "minor", "1.4.3", "patch")
}

test_deny_update_without_bump if {
	found(plan("1.4.2", "patch", "1.4.2")) == denial("1.4.2", "patch", "1.4.2", "none")
}

test_deny_lower_version if {
	found(plan("2.0.0", "patch", "1.9.9")) == denial("2.0.0", "patch", "1.9.9", "lower")
}

test_deny_version_that_is_not_semver if {
	found(plan("1.0.0", "patch", "1.1")) == denial("1.0.0", "patch", "1.1", "invalid")
}

test_deny_carries_the_facts if {
	some v in stack_bump.deny with input as plan("1.0.0", "major", "1.1.0")
	v.details == {"base_version": "1.0.0", "head_version": "1.1.0", "implied_bump": "major", "declared_bump": "minor"}
}

test_allow_exempt_env if {
	dev := object.union(plan("1.0.0", "major", "1.0.1"), {"env": "dev"})
	stack_bump.deny == set() with input as dev with data.stack_bump.exempt_envs as ["dev"]
}
