package required_tags_test

import data.required_tags

tags := {"team": "t", "env": "prod", "cost-center": "c", "stack": "s", "stack-version": "1.0.0", "owner": "o"}

plan(resources) := {"env": "prod", "stack": "s", "stack_version": "1.0.0", "resources": resources}

vpc(t) := {"urn": "u:vpc", "type": "huaweicloud:Vpc/vpc:Vpc", "name": "vpc", "inputs": {"tags": t}, "provider": null}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_all_tags if {
	required_tags.deny == set() with input as plan([vpc(tags)])
}

test_allow_untaggable_type if {
	r := {"urn": "u:rule", "type": "huaweicloud:Vpc/secgroupRule:SecgroupRule", "name": "r", "inputs": {}}
	required_tags.deny == set() with input as plan([r])
}

test_deny_missing_tags if {
	result := required_tags.deny with input as plan([vpc({"team": "t", "env": "prod", "stack": "s", "owner": "o"})])
	found(result) == {[
		"IF-TAG-001", "u:vpc",
		"Required tags present: huaweicloud:Vpc/vpc:Vpc vpc lacks tag(s) cost-center, stack-version",
	]}
}

test_deny_empty_tag_value if {
	result := required_tags.deny with input as plan([vpc(object.union(tags, {"team": ""}))])
	found(result) == {["IF-TAG-001", "u:vpc", "Required tags present: huaweicloud:Vpc/vpc:Vpc vpc lacks tag(s) team"]}
}

test_allow_aws_provider_default_tags if {
	provider := {
		"urn": "u:aws", "type": "pulumi:providers:aws", "name": "aws",
		"inputs": {"defaultTags": json.marshal({"tags": tags})},
	}
	vpc_aws := {"urn": "u:v", "type": "aws:ec2/vpc:Vpc", "name": "v", "inputs": {}, "provider": "u:aws"}
	required_tags.deny == set() with input as plan([provider, vpc_aws])
}

test_allow_asg_tag_list if {
	list := [{"key": k, "value": v, "propagateAtLaunch": true} | some k, v in tags]
	asg := {"urn": "u:asg", "type": "aws:autoscaling/group:Group", "name": "asg", "inputs": {"tags": list}}
	required_tags.deny == set() with input as plan([asg])
}

test_deny_tag_disagrees_with_plan if {
	result := required_tags.deny with input as plan([vpc(object.union(tags, {"stack-version": "0.9.0"}))])
	found(result) == {[
		"IF-TAG-002", "u:vpc",
		concat("", [
			"Tags agree with the plan: huaweicloud:Vpc/vpc:Vpc vpc has tag ",
			"stack-version=\"0.9.0\", the plan says \"1.0.0\"",
		]),
	]}
}

test_deny_missing_owner_is_advisory if {
	result := required_tags.deny with input as plan([vpc(object.remove(tags, ["owner"]))])
	{[v.policy_id, v.enforcement, v.message] | some v in result} == {[
		"IF-TAG-003", "advisory",
		"Owner tag present: huaweicloud:Vpc/vpc:Vpc vpc has no owner tag",
	]}
}

test_deny_tags_unknown_at_plan_time if {
	result := required_tags.deny with input as plan([vpc("(known after apply)")])
	{v.policy_id | some v in result} == {"IF-TAG-001", "IF-TAG-003"}
}
