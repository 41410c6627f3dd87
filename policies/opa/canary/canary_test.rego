package canary_test

import data.canary

ingress(weight) := {"metadata": {"annotations": {
	"inferfleet.io/canary-weight": weight,
	"inferfleet.io/canary-stage": "1",
}}}

canary_object(weight, old) := object.union(
	{"urn": "u:c", "type": "kubernetes:networking.k8s.io/v1:Ingress", "name": "c", "inputs": ingress(weight)},
	old,
)

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_step_of_fifteen if {
	canary.deny == set() with input as plan([canary_object("20", {"old_inputs": ingress("5")})])
}

test_allow_new_canary_at_five if {
	canary.deny == set() with input as plan([canary_object("5", {})])
}

test_allow_rollback if {
	canary.deny == set() with input as plan([canary_object("0", {"old_inputs": ingress("100")})])
}

test_deny_jump_from_twenty_to_hundred if {
	found(canary.deny) == {[
		"IF-CAN-001", "u:c",
		concat("", [
			"Canary step within the allowed raise: kubernetes:networking.k8s.io/v1:Ingress c ",
			"raises canary traffic from 20% to 100%, more than 20 points",
		]),
	]} with input as plan([canary_object("100", {"old_inputs": ingress("20")})])
}

test_deny_new_canary_above_step if {
	found(canary.deny) == {[
		"IF-CAN-001", "u:c",
		concat("", [
			"Canary step within the allowed raise: kubernetes:networking.k8s.io/v1:Ingress c ",
			"raises canary traffic from 0% to 50%, more than 20 points",
		]),
	]} with input as plan([canary_object("50", {"old_inputs": {"metadata": {}}})])
}

test_deny_weight_out_of_range if {
	found(canary.deny) == {[
		"IF-CAN-002", "u:c",
		"Canary weight well-formed: kubernetes:networking.k8s.io/v1:Ingress c has canary weight 150",
	]} with input as plan([canary_object("150", {"old_inputs": ingress("140")})])
}
