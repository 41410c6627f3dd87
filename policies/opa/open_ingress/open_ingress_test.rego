package open_ingress_test

import data.open_ingress

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

# What a result says, without its wording: rule, resource and the facts.
found(result) := {[v.policy_id, v.urn, v.details] | some v in result}

huawei_type := "huaweicloud:Vpc/secgroupRule:SecgroupRule"

huawei(urn, inputs) := {"urn": urn, "type": huawei_type, "name": urn, "inputs": object.union(
	{"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp"},
	inputs,
)}

aws_rule(urn, inputs) := {
	"urn": urn, "type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "name": urn,
	"inputs": object.union({"ipProtocol": "tcp", "fromPort": 22, "toPort": 22}, inputs),
}

open_on(urn, source, network, family, alone, ports) := ["IF-NET-003", urn, {
	"source": source, "network": network, "family": family, "alone": alone,
	"ports": [{"port": p, "service": s} | some [p, s] in ports],
}]

test_allow_vpc_cidr_on_model_port if {
	open_ingress.deny == set() with input as plan([huawei("u:r", {"ports": "8000", "remoteIpPrefix": "10.0.0.0/16"})])
}

test_allow_https_from_internet if {
	r := aws_rule("u:r", {"fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"})
	open_ingress.deny == set() with input as plan([r])
}

test_allow_half_the_internet if {
	open_ingress.deny == set() with input as plan([aws_rule("u:a", {"cidrIpv4": "0.0.0.0/1"})])
}

test_allow_other_security_group_as_source if {
	r := huawei("u:r", {"ports": "22", "remoteGroupId": "(known after apply)"})
	open_ingress.deny == set() with input as plan([r])
}

test_deny_message_names_source_family_and_port if {
	r := huawei("u:r", {"ports": "22", "remoteIpPrefix": "0.0.0.0/0"})
	{v.message | some v in open_ingress.deny} == {concat("", [
		"No internet ingress on sensitive ports: ingress from 0.0.0.0/0 admits every internet IPv4 address on port 22 (ssh)",
	])} with input as plan([r])
}

test_deny_huawei_rule_without_source if {
	r := huawei("u:r", {"portRangeMin": 20, "portRangeMax": 30})
	expected := {open_on("u:r", "0.0.0.0/0", "0.0.0.0/0", "IPv4", true, [[22, "ssh"]])}
	found(open_ingress.deny) == expected with input as plan([r])
}

test_deny_huawei_ipv6_rule_without_source if {
	r := huawei("u:r", {"ethertype": "IPv6", "ports": "3389"})
	found(open_ingress.deny) == {open_on("u:r", "::/0", "::/0", "IPv6", true, [[3389, "rdp"]])} with input as plan([r])
}

# Every spelling of "every address" is every address.
test_deny_every_spelling_of_the_whole_space if {
	rules := [
		aws_rule("u:a", {"cidrIpv4": "0.0.0.0/00"}),
		aws_rule("u:b", {"cidrIpv4": "1.2.3.4/0"}),
		aws_rule("u:c", {"cidrIpv6": "0::/0"}),
		aws_rule("u:d", {"cidrIpv6": "::ffff:0.0.0.0/96"}),
	]
	found(open_ingress.deny) == {
		open_on("u:a", "0.0.0.0/00", "0.0.0.0/0", "IPv4", true, [[22, "ssh"]]),
		open_on("u:b", "1.2.3.4/0", "0.0.0.0/0", "IPv4", true, [[22, "ssh"]]),
		open_on("u:c", "0::/0", "::/0", "IPv6", true, [[22, "ssh"]]),
		open_on("u:d", "::ffff:0.0.0.0/96", "0.0.0.0/0", "IPv4", true, [[22, "ssh"]]),
	} with input as plan(rules)
}

# Two halves are the whole: both are named; the private rule on the same port is not.
test_deny_halves_that_cover_every_address if {
	rules := [
		aws_rule("u:low", {"cidrIpv4": "0.0.0.0/1"}),
		huawei("u:high", {"ports": "22", "remoteIpPrefix": "128.0.0.0/1"}),
		huawei("u:vpc", {"ports": "22", "remoteIpPrefix": "10.0.0.0/8"}),
	]
	found(open_ingress.deny) == {
		open_on("u:low", "0.0.0.0/1", "0.0.0.0/1", "IPv4", false, [[22, "ssh"]]),
		open_on("u:high", "128.0.0.0/1", "128.0.0.0/1", "IPv4", false, [[22, "ssh"]]),
	} with input as plan(rules)
}

# Families are merged apart: IPv4 halves do not complete an IPv6 space and vice versa. ::/1 holds
# all of global unicast 2000::/3, so it admits every internet IPv6 address alone; 8000::/1 is not the internet.
test_deny_only_the_family_that_is_covered if {
	rules := [
		aws_rule("u:v4", {"cidrIpv4": "0.0.0.0/1"}),
		aws_rule("u:v6a", {"cidrIpv6": "::/1"}),
		aws_rule("u:v6b", {"cidrIpv6": "8000::/1"}),
	]
	found(open_ingress.deny) == {open_on("u:v6a", "::/1", "::/1", "IPv6", true, [[22, "ssh"]])} with input as plan(rules)
}

# The internet is what is routed on it: all of global unicast IPv6, or every public IPv4 range
# (here 0.0.0.0 to 223.255.255.255, short of multicast and reserved space) is the whole internet.
test_deny_every_internet_address_without_the_whole_space if {
	rules := [
		aws_rule("u:gua", {"cidrIpv6": "2000::/3"}),
		aws_rule("u:a", {"cidrIpv4": "0.0.0.0/1"}),
		aws_rule("u:b", {"cidrIpv4": "128.0.0.0/2"}),
		aws_rule("u:c", {"cidrIpv4": "192.0.0.0/3"}),
	]
	found(open_ingress.deny) == {
		open_on("u:gua", "2000::/3", "2000::/3", "IPv6", true, [[22, "ssh"]]),
		open_on("u:a", "0.0.0.0/1", "0.0.0.0/1", "IPv4", false, [[22, "ssh"]]),
		open_on("u:b", "128.0.0.0/2", "128.0.0.0/2", "IPv4", false, [[22, "ssh"]]),
		open_on("u:c", "192.0.0.0/3", "192.0.0.0/3", "IPv4", false, [[22, "ssh"]]),
	} with input as plan(rules)
}

test_allow_sources_that_are_not_the_internet if {
	rules := [
		aws_rule("u:ula", {"cidrIpv6": "fc00::/7"}),
		aws_rule("u:cgnat", {"cidrIpv4": "100.64.0.0/10"}),
		aws_rule("u:multicast", {"cidrIpv4": "224.0.0.0/3"}),
	]
	open_ingress.deny == set() with input as plan(rules)
}

test_deny_alicloud_all_protocols_names_every_sensitive_port if {
	r := {"urn": "u:r", "type": "alicloud:ecs/securityGroupRule:SecurityGroupRule", "name": "r", "inputs": {
		"type": "ingress", "ipProtocol": "all", "portRange": "-1/-1", "cidrIp": "0.0.0.0/0",
	}}
	ports := {[p.port, p.service] | some v in open_ingress.deny with input as plan([r]); some p in v.details.ports}
	some_ports := {
		[22, "ssh"], [3389, "rdp"], [6443, "kubernetes-api"],
		[2379, "etcd"], [10250, "kubelet"], [5432, "postgresql"],
	}
	some_ports & ports == {
		[22, "ssh"], [3389, "rdp"], [6443, "kubernetes-api"],
		[2379, "etcd"], [10250, "kubelet"], [5432, "postgresql"],
	}
}

test_deny_port_range_across_etcd_and_the_kubelet if {
	r := {"urn": "u:r", "type": "tencentcloud:Security/groupRule:GroupRule", "name": "r", "inputs": {
		"type": "INGRESS", "policy": "ACCEPT", "cidrIp": "0.0.0.0/0", "ipProtocol": "TCP", "portRange": "2380-10250",
	}}
	found(open_ingress.deny) == {open_on("u:r", "0.0.0.0/0", "0.0.0.0/0", "IPv4", true, [
		[2380, "etcd"], [3306, "mysql"], [3389, "rdp"], [5432, "postgresql"], [6379, "redis"],
		[6443, "kubernetes-api"], [8000, "model-server"], [8001, "triton"], [9090, "prometheus-metrics"],
		[9200, "elasticsearch"], [10250, "kubelet"],
	])} with input as plan([r])
}

# A NodePort range is checked where openings start inside it, not port by port.
test_deny_part_of_the_nodeport_range if {
	r := aws_rule("u:r", {"fromPort": 31000, "toPort": 31010, "cidrIpv4": "0.0.0.0/0"})
	found(open_ingress.deny) == {
		open_on("u:r", "0.0.0.0/0", "0.0.0.0/0", "IPv4", true, [[31000, "kubernetes-nodeport"]]),
	} with input as plan([r])
}

test_deny_container_ports_of_every_workload_kind if {
	cron := {"urn": "u:cron", "type": "kubernetes:batch/v1:CronJob", "name": "cron", "inputs": {"spec": {"jobTemplate": {
		"spec": {"template": {"spec": {"containers": [{"ports": [{"containerPort": 9400}]}]}}},
	}}}}
	daemon := {"urn": "u:ds", "type": "kubernetes:apps/v1:DaemonSet", "name": "ds", "inputs": {"spec": {"template": {
		"spec": {"containers": [{"ports": [{"containerPort": 9401, "hostPort": 9402}]}]},
	}}}}
	set_type := "tencentcloud:Security/groupRuleSet:GroupRuleSet"
	rule_set := {"urn": "u:r", "type": set_type, "name": "r", "inputs": {"ingresses": [
		{"action": "ACCEPT", "cidrBlock": "0.0.0.0/0", "protocol": "TCP", "port": "9400-9402"},
		{"action": "ACCEPT", "cidrBlock": "10.0.0.0/8", "protocol": "TCP", "port": "22"},
		{"action": "DROP", "cidrBlock": "0.0.0.0/0", "protocol": "TCP", "port": "22"},
	]}}
	found(open_ingress.deny) == {open_on("u:r", "0.0.0.0/0", "0.0.0.0/0", "IPv4", true, [
		[9400, "container port of cron"], [9401, "container port of ds"], [9402, "container port of ds"],
	])} with input as plan([cron, daemon, rule_set])
}

test_deny_tencent_lite_rule if {
	r := {"urn": "u:r", "type": "tencentcloud:Security/groupLiteRule:GroupLiteRule", "name": "r", "inputs": {
		"securityGroupId": "sg-1",
		"ingresses": ["ACCEPT#0::/0#22#TCP", "ACCEPT#sg-2#ALL#ALL", "DROP#0.0.0.0/0#ALL#ALL"],
	}}
	found(open_ingress.deny) == {open_on("u:r", "0::/0", "::/0", "IPv6", true, [[22, "ssh"]])} with input as plan([r])
}

test_deny_aws_group_inline_and_group_rule if {
	group := {"urn": "u:sg", "type": "aws:ec2/securityGroup:SecurityGroup", "name": "sg", "inputs": {"ingress": [
		{"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"], "cidrBlocks": ["10.0.0.0/8"]},
	]}}
	rule := {"urn": "u:sgr", "type": "aws:ec2/securityGroupRule:SecurityGroupRule", "name": "sgr", "inputs": {
		"type": "ingress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"],
	}}
	deny := open_ingress.deny with input as plan([group, rule])
	{[v.urn, v.details.family] | some v in deny} == {["u:sg", "IPv6"], ["u:sgr", "IPv4"]}
}

# Fail closed: what the plan cannot read is not passed on trust.
test_deny_sources_the_plan_cannot_read if {
	rules := [
		aws_rule("u:unknown", {"cidrIpv4": "(known after apply)"}),
		aws_rule("u:secret", {"cidrIpv6": "(sensitive value)"}),
		aws_rule("u:prefix", {"prefixListId": "pl-123"}),
		aws_rule("u:garbage", {"cidrIpv4": "0/0"}),
		aws_rule("u:https", {"fromPort": 443, "toPort": 443, "cidrIpv4": "(known after apply)"}),
	]
	{[v.policy_id, v.urn, v.details.source] | some v in open_ingress.deny} == {
		["IF-NET-005", "u:unknown", "(known after apply)"],
		["IF-NET-005", "u:secret", "(sensitive value)"],
		["IF-NET-005", "u:prefix", "pl-123"],
		["IF-NET-005", "u:garbage", "0/0"],
	} with input as plan(rules)
}

test_deny_ports_the_plan_cannot_read if {
	r := aws_rule("u:r", {"fromPort": "(known after apply)", "cidrIpv4": "0.0.0.0/0"})
	found(open_ingress.deny) == {["IF-NET-005", "u:r", {
		"source": "0.0.0.0/0", "ranges": null, "protocol": "tcp",
		"services": [
			"docker-daemon", "elasticsearch", "etcd", "kubelet", "kubelet-read-only",
			"kubernetes-api", "kubernetes-nodeport", "memcached", "model-server", "mongodb", "mysql",
			"postgresql", "prometheus-metrics", "rdp", "redis", "ssh", "triton",
		],
	}]} with input as plan([r])
}

test_deny_rule_list_the_plan_cannot_read if {
	group := {"urn": "u:sg", "type": "aws:ec2/securityGroup:SecurityGroup", "name": "sg", "inputs": {
		"ingress": "(known after apply)",
	}}
	{[v.policy_id, v.urn] | some v in open_ingress.deny} == {["IF-NET-005", "u:sg"]} with input as plan([group])
}
