package regions_test

import data.regions

stack_resource := {"urn": "u:stack", "type": "pulumi:pulumi:Stack", "name": "s", "inputs": {}}

plan(stack, env, cloud, region, resources) := {
	"stack": stack, "env": env, "cloud": cloud, "region": region,
	"resources": array.concat([stack_resource], resources),
}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_prod_in_guangzhou if {
	regions.deny == set() with input as plan("prod-cn-south", "prod", "huaweicloud", "cn-south-1", [])
}

test_allow_prod_us_stack_in_oregon if {
	regions.deny == set() with input as plan("prod-us-west", "prod", "aws", "us-west-2", [])
}

test_deny_china_stack_outside_mainland if {
	result := regions.deny with input as plan("prod-cn-west", "prod", "aws", "us-west-2", [])
	found(result) == {[
		"IF-REG-002", "u:stack",
		concat("", [
			"China stacks stay in mainland China: stack \"prod-cn-west\" uses aws region ",
			"\"us-west-2\" outside mainland China",
		]),
	]}
}

test_deny_provider_region_not_allowed_for_env if {
	provider := {"urn": "u:p", "type": "pulumi:providers:alicloud", "name": "p", "inputs": {"region": "cn-chengdu"}}
	result := regions.deny with input as plan("dev-cn-x", "dev", "alicloud", "cn-hangzhou", [provider])
	found(result) == {[
		"IF-REG-001", "u:p",
		"Region allowed for the env: alicloud region \"cn-chengdu\" is not allowed for env \"dev\"",
	]}
}

test_allow_unknown_region_input if {
	r := {
		"urn": "u:r",
		"type": "huaweicloud:Cc/networkInstance:NetworkInstance",
		"name": "r",
		"inputs": {"regionId": "(known after apply)"},
	}
	regions.deny == set() with input as plan("prod-cn-south", "prod", "huaweicloud", "cn-south-1", [r])
}
