package stack_version_test

import data.stack_version

plan(env, version) := {"env": env, "stack": "prod-x", "stack_version": version, "resources": []}

test_allow_released_prod if {
	stack_version.deny == set() with input as plan("prod", "2.3.1")
}

test_allow_pre_release_in_staging if {
	stack_version.deny == set() with input as plan("staging", "2.4.0-rc.1")
}

test_deny_pre_release_in_prod if {
	{[v.policy_id, v.urn, v.message] | some v in stack_version.deny} == {[
		"IF-VER-001", "stack",
		"Released semver in prod: prod stack \"prod-x\" has version \"2.4.0-rc.1\"",
	]} with input as plan("prod", "2.4.0-rc.1")
}

test_deny_each_unreleased_form if {
	every version in ["1.0.0+build.5", "01.0.0", "1.0"] {
		{v.policy_id | some v in stack_version.deny} == {"IF-VER-001"} with input as plan("prod", version)
	}
}
