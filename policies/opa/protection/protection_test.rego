package protection_test

import data.protection

vpc(protect) := {
	"urn": "u:v",
	"type": "tencentcloud:Vpc/instance:Instance",
	"name": "v",
	"options": {"protect": protect},
}

plan(env, resources) := {"env": env, "stack": "s", "resources": resources}

test_allow_protected_vpc if {
	protection.deny == set() with input as plan("prod", [vpc(true)])
}

test_allow_unprotected_outside_prod if {
	protection.deny == set() with input as plan("staging", [vpc(false)])
}

test_deny_unprotected_prod_vpc if {
	{[v.policy_id, v.urn, v.message] | some v in protection.deny} == {[
		"IF-PROT-001", "u:v",
		"Stateful resources protected in prod: tencentcloud:Vpc/instance:Instance v is not protected",
	]} with input as plan("prod", [vpc(false)])
}
