package availability_test

import data.availability

pdb_type := "kubernetes:policy/v1:PodDisruptionBudget"

deployment(replicas, annotations) := {"urn": "u:d", "type": "kubernetes:apps/v1:Deployment", "name": "d", "inputs": {
	"metadata": {"namespace": "svc", "annotations": annotations},
	"spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "svc", "track": "stable"}}}},
}}

pdb(namespace, labels) := {"urn": "u:pdb", "type": pdb_type, "name": "pdb", "inputs": {
	"metadata": {"namespace": namespace},
	"spec": {"selector": {"matchLabels": labels}},
}}

plan(env, resources) := {"env": env, "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_two_replicas_with_budget if {
	availability.deny == set() with input as plan("prod", [deployment(2, {}), pdb("svc", {"app": "svc"})])
}

test_allow_single_replica_outside_prod if {
	availability.deny == set() with input as plan("dev", [deployment(1, {})])
}

test_allow_single_replica_canary_track if {
	canary := deployment(1, {"inferfleet.io/canary-stage": "0"})
	availability.deny == set() with input as plan("prod", [canary, pdb("svc", {"app": "svc"})])
}

test_deny_one_replica_and_budget_elsewhere if {
	found(availability.deny) == {
		[
			"IF-K8S-007",
			"u:d",
			"At least two replicas in prod: kubernetes:apps/v1:Deployment d runs 1 replica(s), below 2 in prod",
		],
		[
			"IF-K8S-008",
			"u:d",
			"PodDisruptionBudget in prod: no PodDisruptionBudget selects kubernetes:apps/v1:Deployment d",
		],
	} with input as plan("prod", [deployment(1, {}), pdb("other", {"app": "svc"})])
}

test_deny_budget_selecting_other_pods if {
	found(availability.deny) == {[
		"IF-K8S-008", "u:d",
		"PodDisruptionBudget in prod: no PodDisruptionBudget selects kubernetes:apps/v1:Deployment d",
	]} with input as plan("prod", [deployment(3, {}), pdb("svc", {"app": "svc", "track": "canary"})])
}
