package network_exposure_test

import data.network_exposure

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

gpu_vm(extra) := {
	"urn": "u:vm", "type": "alicloud:ecs/instance:Instance", "name": "vm", "dependencies": [],
	"inputs": object.union({"instanceType": "ecs.gn7i-c8g1.2xlarge"}, extra),
}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_private_gpu_vm if {
	network_exposure.deny with input as plan([gpu_vm({"internetMaxBandwidthOut": 0})]) == set()
}

test_allow_public_ip_on_cpu_vm if {
	vm := {"urn": "u:cpu", "type": "alicloud:ecs/instance:Instance", "name": "cpu", "dependencies": [], "inputs": {
		"instanceType": "ecs.c7.large",
		"internetMaxBandwidthOut": 10,
	}}
	network_exposure.deny with input as plan([vm]) == set()
}

test_deny_bandwidth_on_gpu_vm if {
	result := network_exposure.deny with input as plan([gpu_vm({"internetMaxBandwidthOut": 5})])
	found(result) == {[
		"IF-NET-001", "u:vm",
		concat("", [
			"No public IP on GPU nodes or databases: alicloud:ecs/instance:Instance vm asks ",
			"for a public IP (internetMaxBandwidthOut)",
		]),
	]}
}

test_deny_public_launch_template if {
	lt := {"urn": "u:lt", "type": "aws:ec2/launchTemplate:LaunchTemplate", "name": "lt", "dependencies": [], "inputs": {
		"instanceType": "g5.xlarge",
		"networkInterfaces": [{"associatePublicIpAddress": "true"}],
	}}
	result := network_exposure.deny with input as plan([lt])
	found(result) == {[
		"IF-NET-001", "u:lt",
		concat("", [
			"No public IP on GPU nodes or databases: aws:ec2/launchTemplate:LaunchTemplate ",
			"lt asks for a public IP (networkInterfaces.*.associatePublicIpAddress)",
		]),
	]}
}

test_deny_public_database if {
	db := {
		"urn": "u:db",
		"type": "aws:rds/instance:Instance",
		"name": "db",
		"dependencies": [],
		"inputs": {"publiclyAccessible": true},
	}
	{v.policy_id | some v in network_exposure.deny} == {"IF-NET-001"} with input as plan([db])
}

test_deny_eip_association_to_gpu_vm if {
	eip := {
		"urn": "u:eip",
		"type": "alicloud:ecs/eipAssociation:EipAssociation",
		"name": "eip",
		"dependencies": ["u:vm"],
		"inputs": {},
	}
	result := network_exposure.deny with input as plan([gpu_vm({}), eip])
	found(result) == {[
		"IF-NET-002", "u:eip",
		concat("", [
			"No public IP bound to GPU nodes or databases: ",
			"alicloud:ecs/eipAssociation:EipAssociation eip binds a public IP to alicloud:ecs/instance:Instance vm",
		]),
	]}
}

test_deny_node_group_in_public_subnet if {
	subnet := {"urn": "u:s", "type": "aws:ec2/subnet:Subnet", "name": "s", "inputs": {"mapPublicIpOnLaunch": true}}
	ng := {"urn": "u:ng", "type": "aws:eks/nodeGroup:NodeGroup", "name": "ng", "dependencies": ["u:s"], "inputs": {
		"instanceTypes": ["g5.xlarge"],
		"scalingConfig": {"maxSize": 2},
	}}
	found(network_exposure.deny) == {[
		"IF-NET-004", "u:ng",
		concat("", [
			"GPU nodes not in public-IP subnets: aws:eks/nodeGroup:NodeGroup ng runs in ",
			"aws:ec2/subnet:Subnet s, which gives it a public IP",
		]),
	]} with input as plan([subnet, ng])
}

test_allow_node_group_in_private_subnet if {
	subnet := {"urn": "u:s", "type": "aws:ec2/subnet:Subnet", "name": "s", "inputs": {"mapPublicIpOnLaunch": false}}
	ng := {"urn": "u:ng", "type": "aws:eks/nodeGroup:NodeGroup", "name": "ng", "dependencies": ["u:s"], "inputs": {
		"instanceTypes": ["g5.xlarge"],
	}}
	network_exposure.deny with input as plan([subnet, ng]) == set()
}
