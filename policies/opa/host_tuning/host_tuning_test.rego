package host_tuning_test

import data.host_tuning

tuned := "#cloud-config\nwrite_files:\n  - path: /etc/inferfleet/host-tuning\n"

vm(env_user_data) := {
	"urn": "u:vm", "type": "tencentcloud:Instance/instance:Instance", "name": "vm", "dependencies": [],
	"inputs": {"instanceType": "PNV4.7XLARGE116", "userData": env_user_data},
}

plan(env, resources) := {"env": env, "stack": "s", "resources": resources}

test_allow_base64_tuned_user_data if {
	host_tuning.deny == set() with input as plan("prod", [vm(base64.encode(tuned))])
}

test_allow_untuned_in_staging if {
	host_tuning.deny == set() with input as plan("staging", [vm("#!/bin/sh\n")])
}

test_deny_untuned_prod_gpu_vm if {
	result := host_tuning.deny with input as plan("prod", [vm(base64.encode("#!/bin/sh\necho hi\n"))])
	{[v.policy_id, v.urn, v.message] | some v in result} == {[
		"IF-HOST-001", "u:vm",
		concat("", [
			"Host tuning on prod GPU nodes: tencentcloud:Instance/instance:Instance vm boots ",
			"without the host-tuning profile marker",
		]),
	]}
}

test_allow_eks_node_group_tuned_by_its_launch_template if {
	lt := {"urn": "u:lt", "type": "aws:ec2/launchTemplate:LaunchTemplate", "name": "lt", "dependencies": [], "inputs": {
		"instanceType": "g5.xlarge",
		"userData": base64.encode(tuned),
	}}
	ng := {"urn": "u:ng", "type": "aws:eks/nodeGroup:NodeGroup", "name": "ng", "dependencies": ["u:lt"], "inputs": {
		"instanceTypes": ["g5.xlarge"],
		"scalingConfig": {"maxSize": 2},
	}}
	host_tuning.deny == set() with input as plan("prod", [lt, ng])
}
