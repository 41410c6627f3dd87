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
			"Canary moves one declared stage at a time: kubernetes:networking.k8s.io/v1:Ingress c ",
			"raises canary traffic from 20% to 100%, more than 20 points",
		]),
	]} with input as plan([canary_object("100", {"old_inputs": ingress("20")})])
}

test_deny_new_canary_above_step if {
	found(canary.deny) == {[
		"IF-CAN-001", "u:c",
		concat("", [
			"Canary moves one declared stage at a time: kubernetes:networking.k8s.io/v1:Ingress c ",
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

staged(weight, stages) := {"metadata": {"annotations": {
	"inferfleet.io/canary-weight": weight,
	"inferfleet.io/canary-stage": "0",
	"inferfleet.io/canary-stages": stages,
}}}

staged_canary(weight, old_weight, stages) := object.union(
	{"urn": "u:c", "type": "kubernetes:apps/v1:Deployment", "name": "c", "inputs": staged(weight, stages)},
	{"old_inputs": staged(old_weight, stages)},
)

new_staged_canary(weight, stages) := {
	"urn": "u:c", "type": "kubernetes:apps/v1:Deployment", "name": "c",
	"inputs": staged(weight, stages),
}

# The grey release the product promises: 5% -> 20% -> 100%, one declared stage at a time.
test_allow_every_declared_stage_in_turn if {
	canary.deny == set() with input as plan([new_staged_canary("5", "5,20,100")])
	canary.deny == set() with input as plan([staged_canary("20", "5", "5,20,100")])
	canary.deny == set() with input as plan([staged_canary("100", "20", "5,20,100")])
	canary.deny == set() with input as plan([staged_canary("20", "20", "5,20,100")])
	canary.deny == set() with input as plan([staged_canary("5", "100", "5,20,100")])
}

test_deny_skipping_a_declared_stage if {
	found(canary.deny) == {[
		"IF-CAN-001", "u:c",
		concat("", [
			"Canary moves one declared stage at a time: kubernetes:apps/v1:Deployment c raises canary traffic ",
			"from 5% to 100%; the next declared stage is 20% (stages 5,20,100)",
		]),
	]} with input as plan([staged_canary("100", "5", "5,20,100")])
}

test_deny_new_canary_past_the_first_stage if {
	{[v.policy_id, v.details.to] | some v in canary.deny} == {["IF-CAN-001", 20]} with input as plan([new_staged_canary(
		"20",
		"5,20,100",
	)])
}

test_deny_stages_that_do_not_end_at_100_or_do_not_increase if {
	ids(canary.deny) == {"IF-CAN-003"} with input as plan([new_staged_canary("5", "5,20,50")])
	ids(canary.deny) == {"IF-CAN-003"} with input as plan([new_staged_canary("5", "5,50,20,100")])
	ids(canary.deny) == {"IF-CAN-003"} with input as plan([new_staged_canary("5", "5,x,100")])
	ids(canary.deny) == {"IF-CAN-001", "IF-CAN-003"} with input as plan([new_staged_canary("10", "5,20,100")])
}

ids(result) := {v.policy_id | some v in result; v.urn == "u:c"}
