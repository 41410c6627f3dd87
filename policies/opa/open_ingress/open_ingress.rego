# METADATA
# title: Open ingress
# description: No security-group rule on any cloud lets the whole internet reach SSH or a model port.
# custom:
#   version: 1.0.0
package open_ingress

import data.lib

# Ports no rule may open to the internet: the configured ones and every workload container port.
ports_to_protect contains p if some p in data.open_ingress.sensitive_ports

ports_to_protect contains p if {
	some r in lib.of_types(data.open_ingress.workload_types)
	some container in object.get(r.inputs, ["spec", "template", "spec", "containers"], [])
	some port in object.get(container, "ports", [])
	p := port.containerPort
}

# Ingress openings of every cloud in one shape: {urn, cidr, protocol, ranges}.
openings contains o if {
	some r in lib.of_types(["huaweicloud:Vpc/secgroupRule:SecgroupRule"])
	r.inputs.direction == "ingress"
	object.get(r.inputs, "action", "allow") == "allow"
	not r.inputs.remoteGroupId
	not r.inputs.remoteAddressGroupId
	o := {
		"urn": r.urn,
		"cidr": _or_any(object.get(r.inputs, "remoteIpPrefix", null)),
		"protocol": lower(object.get(r.inputs, "protocol", "all")),
		"ranges": _huawei_ranges(r.inputs),
	}
}

openings contains o if {
	some r in lib.of_types(["alicloud:ecs/securityGroupRule:SecurityGroupRule"])
	r.inputs.type == "ingress"
	lower(object.get(r.inputs, "policy", "accept")) == "accept"
	some cidr in [object.get(r.inputs, "cidrIp", ""), object.get(r.inputs, "ipv6CidrIp", "")]
	o := {
		"urn": r.urn,
		"cidr": cidr,
		"protocol": lower(r.inputs.ipProtocol),
		"ranges": _ranges(r.inputs.portRange),
	}
}

openings contains o if {
	some r in lib.of_types(["tencentcloud:Security/groupRule:GroupRule"])
	r.inputs.type == "ingress"
	upper(r.inputs.policy) == "ACCEPT"
	o := {
		"urn": r.urn,
		"cidr": r.inputs.cidrIp,
		"protocol": lower(object.get(r.inputs, "ipProtocol", "all")),
		"ranges": _ranges(object.get(r.inputs, "portRange", "ALL")),
	}
}

openings contains o if {
	some r in lib.of_types(["tencentcloud:Security/groupRuleSet:GroupRuleSet"])
	some rule in object.get(r.inputs, "ingresses", [])
	upper(rule.action) == "ACCEPT"
	some cidr in [object.get(rule, "cidrBlock", ""), object.get(rule, "ipv6CidrBlock", "")]
	o := {
		"urn": r.urn,
		"cidr": cidr,
		"protocol": lower(object.get(rule, "protocol", "all")),
		"ranges": _ranges(object.get(rule, "port", "ALL")),
	}
}

openings contains o if {
	some r in lib.of_types(["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"])
	some cidr in [object.get(r.inputs, "cidrIpv4", ""), object.get(r.inputs, "cidrIpv6", "")]
	o := {
		"urn": r.urn,
		"cidr": cidr,
		"protocol": _aws_protocol(r.inputs.ipProtocol),
		"ranges": _aws_ranges(r.inputs),
	}
}

openings contains o if {
	some r in lib.of_types(["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule"])
	some rule in _aws_rules(r)
	some cidr in array.concat(object.get(rule, "cidrBlocks", []), object.get(rule, "ipv6CidrBlocks", []))
	o := {
		"urn": r.urn,
		"cidr": cidr,
		"protocol": _aws_protocol(rule.protocol),
		"ranges": _aws_ranges(rule),
	}
}

_aws_rules(r) := object.get(r.inputs, "ingress", []) if r.type == "aws:ec2/securityGroup:SecurityGroup"

_aws_rules(r) := [r.inputs] if {
	r.type == "aws:ec2/securityGroupRule:SecurityGroupRule"
	r.inputs.type == "ingress"
}

_or_any(cidr) := cidr if is_string(cidr)

_or_any(null) := "0.0.0.0/0"

# AWS: protocol "-1" (or "all") means every protocol and every port.
_aws_protocol(p) := "all" if lower(sprintf("%v", [p])) in {"-1", "all"}

_aws_protocol(p) := "tcp" if lower(sprintf("%v", [p])) in {"tcp", "6"}

_aws_protocol(p) := lower(sprintf("%v", [p])) if not lower(sprintf("%v", [p])) in {"-1", "all", "tcp", "6"}

_aws_ranges(rule) := [[0, 65535]] if _aws_protocol(_aws_rule_protocol(rule)) == "all"

_aws_ranges(rule) := [[object.get(rule, "fromPort", 0), object.get(rule, "toPort", 65535)]] if {
	_aws_protocol(_aws_rule_protocol(rule)) != "all"
}

_aws_rule_protocol(rule) := object.get(rule, "ipProtocol", object.get(rule, "protocol", ""))

_huawei_ranges(inputs) := _ranges(inputs.ports) if inputs.ports

_huawei_ranges(inputs) := [[object.get(inputs, "portRangeMin", 1), object.get(inputs, "portRangeMax", 65535)]] if {
	not inputs.ports
}

# "22", "22,80", "8000-8100", "22/22", "-1/-1", "ALL" as a list of [low, high].
_ranges(text) := [[0, 65535]] if _every_port(text)

_ranges(text) := [_range(item) | some item in split(text, ",")] if not _every_port(text)

_every_port(text) if lower(trim_space(text)) in {"all", "-1/-1", "-1", ""}

_range(item) := [to_number(parts[0]), to_number(parts[1])] if {
	parts := regex.split(`[-/]`, trim_space(item))
	count(parts) == 2
}

_range(item) := [to_number(trim_space(item)), to_number(trim_space(item))] if {
	count(regex.split(`[-/]`, trim_space(item))) == 1
}

# METADATA
# title: No internet ingress on SSH or model ports
# description: |
#   No ingress rule (Huawei secgroup rules, Alibaba security-group rules, Tencent rules and
#   rule sets, AWS ingress rules and groups) admits 0.0.0.0/0 or ::/0 on SSH, the configured
#   model ports or a workload's container port.
# custom:
#   id: IF-NET-003
#   severity: critical
#   enforcement: mandatory
#   remediation: Limit the rule's source to the VPC CIDR or declared peer CIDRs, or put a load balancer in front.
#   version: 1.0.0
deny contains v if {
	some o in openings
	o.cidr in data.open_ingress.open_cidrs
	o.protocol in {"tcp", "all", "-1"}
	some port in ports_to_protect
	some [low, high] in o.ranges
	low <= port
	port <= high
	v := lib.violation(rego.metadata.rule(), o.urn, sprintf("ingress from %s reaches port %d", [o.cidr, port]))
}
