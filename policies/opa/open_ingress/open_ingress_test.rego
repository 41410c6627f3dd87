package open_ingress_test

import data.open_ingress

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

msg(cidr, port) := sprintf("No internet ingress on SSH or model ports: ingress from %s reaches port %d", [cidr, port])

test_allow_vpc_cidr_on_model_port if {
	r := {"urn": "u:r", "type": "huaweicloud:Vpc/secgroupRule:SecgroupRule", "name": "r", "inputs": {
		"direction": "ingress", "protocol": "tcp", "ports": "8000", "remoteIpPrefix": "10.0.0.0/16",
	}}
	open_ingress.deny with input as plan([r]) == set()
}

test_allow_https_from_internet if {
	r := {"urn": "u:r", "type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "name": "r", "inputs": {
		"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0",
	}}
	open_ingress.deny with input as plan([r]) == set()
}

test_deny_huawei_rule_without_source if {
	r := {"urn": "u:r", "type": "huaweicloud:Vpc/secgroupRule:SecgroupRule", "name": "r", "inputs": {
		"direction": "ingress", "protocol": "tcp", "portRangeMin": 20, "portRangeMax": 30,
	}}
	found(open_ingress.deny) == {["IF-NET-003", "u:r", msg("0.0.0.0/0", 22)]} with input as plan([r])
}

test_deny_alicloud_all_ports if {
	r := {"urn": "u:r", "type": "alicloud:ecs/securityGroupRule:SecurityGroupRule", "name": "r", "inputs": {
		"type": "ingress", "ipProtocol": "all", "portRange": "-1/-1", "cidrIp": "0.0.0.0/0",
	}}
	found(open_ingress.deny) == {
		["IF-NET-003", "u:r", msg("0.0.0.0/0", 22)],
		["IF-NET-003", "u:r", msg("0.0.0.0/0", 8000)],
	} with input as plan([r])
}

test_deny_tencent_rule_set_on_container_port if {
	deployment := {
		"urn": "u:d",
		"type": "kubernetes:apps/v1:Deployment",
		"name": "d",
		"inputs": {"spec": {"template": {"spec": {"containers": [{"ports": [{"containerPort": 9000}]}]}}}},
	}
	rule_set := "tencentcloud:Security/groupRuleSet:GroupRuleSet"
	r := {"urn": "u:r", "type": rule_set, "name": "r", "inputs": {"ingresses": [
		{"action": "ACCEPT", "cidrBlock": "0.0.0.0/0", "protocol": "TCP", "port": "9000"},
		{"action": "ACCEPT", "cidrBlock": "10.0.0.0/8", "protocol": "TCP", "port": "22"},
	]}}
	found(open_ingress.deny) == {["IF-NET-003", "u:r", msg("0.0.0.0/0", 9000)]} with input as plan([deployment, r])
}

test_deny_aws_group_ipv6_ssh if {
	r := {"urn": "u:sg", "type": "aws:ec2/securityGroup:SecurityGroup", "name": "sg", "inputs": {"ingress": [
		{"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"]},
	]}}
	found(open_ingress.deny) == {["IF-NET-003", "u:sg", msg("::/0", 22)]} with input as plan([r])
}
