# METADATA
# title: Availability
# description: Production workloads survive a node loss and a voluntary disruption.
# custom:
#   version: 1.0.0
package availability

import data.lib

workloads := lib.of_types(data.availability.replicated_types)

budgets := lib.of_types(["kubernetes:policy/v1:PodDisruptionBudget"])

_namespace(r) := object.get(r.inputs, ["metadata", "namespace"], "default")

_canary(r) if object.get(r.inputs, ["metadata", "annotations", data.availability.canary_stage_annotation], null) != null

# METADATA
# title: At least two replicas in prod
# description: Every stable workload of a prod stack runs at least the env's minimum replicas (2 in prod).
# custom:
#   id: IF-K8S-007
#   severity: high
#   enforcement: mandatory
#   remediation: Set replicas to 2 or more in the service spec.
#   version: 1.0.0
deny contains v if {
	minimum := data.availability.min_replicas[input.env]
	some r in workloads
	not _canary(r)
	replicas := object.get(r.inputs, ["spec", "replicas"], 1)
	is_number(replicas)
	replicas < minimum
	detail := sprintf("%s %s runs %d replica(s), below %d in %s", [r.type, r.name, replicas, minimum, input.env])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# METADATA
# title: PodDisruptionBudget in prod
# description: |
#   Every workload of a prod stack is selected by a PodDisruptionBudget in its namespace (the
#   budget's matchLabels are all among the pod template's labels).
# custom:
#   id: IF-K8S-008
#   severity: high
#   enforcement: mandatory
#   remediation: Add a PodDisruptionBudget selecting the workload's pods (the inference_service module creates one).
#   version: 1.0.0
deny contains v if {
	input.env in data.availability.pdb_envs
	some r in workloads
	not _covered(r)
	v := lib.violation(rego.metadata.rule(), r.urn, sprintf("no PodDisruptionBudget selects %s %s", [r.type, r.name]))
}

_covered(r) if {
	labels := object.get(r.inputs, ["spec", "template", "metadata", "labels"], {})
	some pdb in budgets
	_namespace(pdb) == _namespace(r)
	selector := object.get(pdb.inputs, ["spec", "selector", "matchLabels"], {})
	count(selector) > 0
	every key, value in selector {
		labels[key] == value
	}
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in array.concat(workloads, budgets)
