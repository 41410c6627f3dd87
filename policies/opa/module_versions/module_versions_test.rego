package module_versions_test

import data.module_versions

minimum := {"prod": {"inferfleet-vpc": "1.1.0"}}

plan(env, modules) := {"env": env, "stack": "prod-x", "modules": modules, "resources": []}

test_allow_at_the_minimum if {
	module_versions.deny == set() with input as plan("prod", {"inferfleet-vpc": "1.1.0"})
		with data.module_versions.minimum as minimum
}

test_allow_newer_major_compared_as_semver if {
	# "1.10.0" sorts before "1.9.0" as text; as semver it is newer.
	module_versions.deny == set() with input as plan("prod", {"inferfleet-vpc": "1.10.0"})
		with data.module_versions.minimum as {"prod": {"inferfleet-vpc": "1.9.0"}}
}

test_allow_old_version_in_an_env_without_minimum if {
	module_versions.deny == set() with input as plan("staging", {"inferfleet-vpc": "0.1.0"})
		with data.module_versions.minimum as minimum
}

test_deny_below_the_minimum if {
	{[v.policy_id, v.urn, v.message, v.details] | some v in module_versions.deny} == {[
		"IF-MOD-001", "stack",
		"Module at the env's minimum version: inferfleet-vpc 1.0.9 is older than 1.1.0, the minimum for prod",
		{"module": "inferfleet-vpc", "version": "1.0.9", "minimum": "1.1.0", "env": "prod"},
	]} with input as plan("prod", {"inferfleet-vpc": "1.0.9"})
		with data.module_versions.minimum as minimum
}

test_deny_a_version_that_is_not_semver if {
	denied := module_versions.deny with input as plan("prod", {"inferfleet-vpc": "0+unknown"})
		with data.module_versions.minimum as minimum
	{[v.policy_id, v.details.version] | some v in denied} == {["IF-MOD-002", "0+unknown"]}
}

test_deny_deprecated_input_advisory if {
	used := {"module": "inferfleet-vpc", "field": "VpcArgs.nat_gateway", "removed_in": "2.0.0", "use": "egress"}
	denied := module_versions.deny with input as object.union(plan("staging", {}), {"deprecations": [used]})
		with data.module_versions.minimum as minimum
	{[v.policy_id, v.enforcement, v.details] | some v in denied} == {["IF-MOD-003", "advisory", used]}
}
