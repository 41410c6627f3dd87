package accelerators_test

import data.accelerators

pool(flavor, max) := {
	"urn": "u:pool", "type": "huaweicloud:Cce/nodePool:NodePool", "name": "pool", "dependencies": [],
	"inputs": {"flavorId": flavor, "initialNodeCount": 1, "maxNodeCount": max},
}

plan(env, resources) := {"env": env, "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_prod_ascend_pool if {
	accelerators.deny == set() with input as plan("prod", [pool("physical.kat2ne.48xlarge.8.ei.pod101", 4)])
}

test_deny_flavor_not_allowed_for_env if {
	result := accelerators.deny with input as plan("dev", [pool("p3.16xlarge.8", 1)])
	found(result) == {
		[
			"IF-ACC-001", "u:pool",
			concat("", [
				"Accelerator flavor allowed for the env: huaweicloud:Cce/nodePool:NodePool pool ",
				"uses flavor \"p3.16xlarge.8\", not allowed for env \"dev\"",
			]),
		],
		[
			"IF-ACC-002", "stack",
			concat("", [
				"Accelerator count within the env's ceiling: the stack reaches 8 accelerators, ",
				"above the \"dev\" ceiling of 4",
			]),
		],
	}
}

test_deny_unknown_gpu_flavor if {
	result := accelerators.deny with input as plan("prod", [pool("p9.64xlarge.8", 1)])
	{v.policy_id | some v in result} == {"IF-ACC-001"}
}

test_deny_group_over_ceiling_through_its_template if {
	template := {
		"urn": "u:lt", "type": "aws:ec2/launchTemplate:LaunchTemplate", "name": "lt", "dependencies": [],
		"inputs": {"instanceType": "g5.48xlarge"},
	}
	group := {
		"urn": "u:asg", "type": "aws:autoscaling/group:Group", "name": "asg", "dependencies": ["u:lt"],
		"inputs": {"maxSize": 100, "desiredCapacity": 2},
	}
	result := accelerators.deny with input as plan("prod", [template, group])
	found(result) == {[
		"IF-ACC-002", "stack",
		concat("", [
			"Accelerator count within the env's ceiling: the stack reaches 800 accelerators, ",
			"above the \"prod\" ceiling of 512",
		]),
	]}
}

test_allow_cpu_flavor if {
	accelerators.deny == set() with input as plan("dev", [pool("c7.2xlarge.2", 3)])
}

test_deny_ess_group_over_ceiling_through_the_configuration_that_names_it if {
	group := {
		"urn": "u:group", "type": "alicloud:ess/scalingGroup:ScalingGroup", "name": "group", "dependencies": [],
		"inputs": {"minSize": 1, "maxSize": 3},
	}
	configuration := {
		"urn": "u:config", "type": "alicloud:ess/scalingConfiguration:ScalingConfiguration", "name": "config",
		"dependencies": ["u:group"], "inputs": {"instanceType": "ecs.gn7i-c32g1.32xlarge"},
	}
	result := accelerators.deny with input as plan("dev", [group, configuration])
	found(result) == {
		[
			"IF-ACC-001", "u:config",
			concat("", [
				"Accelerator flavor allowed for the env: ",
				concat("", [
					"alicloud:ess/scalingConfiguration:ScalingConfiguration config uses ",
					"flavor \"ecs.gn7i-c32g1.32xlarge\", not allowed for env \"dev\"",
				]),
			]),
		],
		[
			"IF-ACC-002", "stack",
			concat("", [
				"Accelerator count within the env's ceiling: the stack reaches 12 accelerators, ",
				"above the \"dev\" ceiling of 4",
			]),
		],
	}
}
