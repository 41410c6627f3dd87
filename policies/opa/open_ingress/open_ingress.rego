# METADATA
# title: Open ingress
# description: |
#   No security-group rule on any cloud, alone or together with the plan's other rules, lets every
#   address reach a sensitive port; a rule whose source or ports the plan cannot read fails closed.
# custom:
#   version: 2.0.0
package open_ingress

import data.lib

# Port ranges no rule may open to every address, as {service, from, to}: the configured ones, and
# every port a Kubernetes container declares (containerPort and hostPort).
protected contains p if some p in data.open_ingress.sensitive_ports

protected contains {"service": sprintf("container port of %s", [x.r.name]), "from": port, "to": port} if {
	some x in lib.containers
	some spec in object.get(x.c, "ports", [])
	some key in ["containerPort", "hostPort"]
	port := spec[key]
	is_number(port)
}

# Ingress openings of every cloud in one shape: {urn, source, protocol, ranges}. `source` is the
# rule's address source as written (null: the cloud's default, every address); `ranges` a list of
# [low, high] or null when the plan cannot read the ports. Rules that name another security group
# admit that group only and are not openings; rules that certainly drop traffic are not either.
openings contains o if {
	some r in lib.of_types(["huaweicloud:Vpc/secgroupRule:SecgroupRule"])
	_not(r.inputs, "direction", "egress")
	_not(r.inputs, "action", "deny")
	not _set(r.inputs, "remoteGroupId")
	o := {
		"urn": r.urn,
		"source": _huawei_source(r.inputs),
		"protocol": _protocol(object.get(r.inputs, "protocol", "all")),
		"ranges": _huawei_ranges(r.inputs),
	}
}

openings contains o if {
	some r in lib.of_types(["alicloud:ecs/securityGroupRule:SecurityGroupRule"])
	_not(r.inputs, "type", "egress")
	_not(r.inputs, "policy", "drop")
	not _set(r.inputs, "sourceSecurityGroupId")
	some source in _alicloud_sources(r.inputs)
	o := {
		"urn": r.urn,
		"source": source,
		"protocol": _protocol(object.get(r.inputs, "ipProtocol", "all")),
		"ranges": _ranges(object.get(r.inputs, "portRange", "-1/-1")),
	}
}

openings contains o if {
	some r in lib.of_types(["tencentcloud:Security/groupRule:GroupRule"])
	_not(r.inputs, "type", "egress")
	_not(r.inputs, "policy", "drop")
	not _set(r.inputs, "sourceSgid")
	o := {
		"urn": r.urn,
		"source": _first_set(r.inputs, ["cidrIp", "addressTemplate"]),
		"protocol": _protocol(object.get(r.inputs, "ipProtocol", "all")),
		"ranges": _ranges(object.get(r.inputs, "portRange", "ALL")),
	}
}

openings contains o if {
	some r in lib.of_types(["tencentcloud:Security/groupRuleSet:GroupRuleSet"])
	some rule in _rules(r.inputs, "ingresses")
	_not(rule, "action", "drop")
	not _set(rule, "sourceSecurityId")
	some source in _tencent_set_sources(rule)
	o := {
		"urn": r.urn,
		"source": source,
		"protocol": _protocol(object.get(rule, "protocol", "all")),
		"ranges": _ranges(object.get(rule, "port", "ALL")),
	}
}

# Lite rules are strings "ACTION#SOURCE#PORT#PROTOCOL"; SOURCE may be a security group (sg-...).
openings contains o if {
	some r in lib.of_types(["tencentcloud:Security/groupLiteRule:GroupLiteRule"])
	some rule in _rules(r.inputs, "ingresses")
	parts := _lite_parts(rule)
	lower(parts[0]) != "drop"
	not startswith(parts[1], "sg-")
	o := {"urn": r.urn, "source": parts[1], "protocol": _protocol(parts[3]), "ranges": _ranges(parts[2])}
}

openings contains o if {
	some r in lib.of_types(["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"])
	not _set(r.inputs, "referencedSecurityGroupId")
	o := {
		"urn": r.urn,
		"source": _first_set(r.inputs, ["cidrIpv4", "cidrIpv6", "prefixListId"]),
		"protocol": _protocol(object.get(r.inputs, "ipProtocol", "")),
		"ranges": _aws_ranges(r.inputs, object.get(r.inputs, "ipProtocol", "")),
	}
}

openings contains o if {
	some r in lib.of_types(["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule"])
	some rule in _aws_rules(r)
	some source in _aws_sources(rule)
	o := {
		"urn": r.urn,
		"source": source,
		"protocol": _protocol(object.get(rule, "protocol", "")),
		"ranges": _aws_ranges(rule, object.get(rule, "protocol", "")),
	}
}

_aws_rules(r) := _rules(r.inputs, "ingress") if r.type == "aws:ec2/securityGroup:SecurityGroup"

_aws_rules(r) := [r.inputs] if {
	r.type == "aws:ec2/securityGroupRule:SecurityGroupRule"
	_not(r.inputs, "type", "egress")
}

# A list of rules; a list the plan cannot read is one rule with nothing readable in it.
_rules(inputs, key) := object.get(inputs, key, []) if is_array(object.get(inputs, key, []))

_rules(inputs, key) := [{"unreadable": inputs[key]}] if not is_array(object.get(inputs, key, []))

_lite_parts(rule) := parts if {
	parts := split(rule, "#")
	count(parts) == 4
}

_lite_parts(rule) := ["accept", sprintf("%v", [rule]), "?", "?"] if not count(split(sprintf("%v", [rule]), "#")) == 4

# Whether a key holds something other than `word` (case aside): unknown values and absent keys count.
_not(inputs, key, word) if lower(sprintf("%v", [object.get(inputs, key, "")])) != word

_set(inputs, key) if not object.get(inputs, key, null) in {null, "", []}

_first_set(inputs, keys) := [inputs[k] | some k in keys; _set(inputs, k)][0]

_first_set(inputs, keys) := "(no source)" if count([k | some k in keys; _set(inputs, k)]) == 0

# Huawei: no remote prefix means every address of the rule's ether type; an address group is read elsewhere.
_huawei_source(inputs) := inputs.remoteIpPrefix if _set(inputs, "remoteIpPrefix")

_huawei_source(inputs) := sprintf("address group %v", [inputs.remoteAddressGroupId]) if {
	not _set(inputs, "remoteIpPrefix")
	_set(inputs, "remoteAddressGroupId")
}

_huawei_source(inputs) := _default_source(object.get(inputs, "ethertype", "IPv4")) if {
	not _set(inputs, "remoteIpPrefix")
	not _set(inputs, "remoteAddressGroupId")
}

_default_source(ethertype) := "::/0" if lower(ethertype) == "ipv6"

_default_source(ethertype) := "0.0.0.0/0" if lower(ethertype) != "ipv6"

_alicloud_sources(inputs) := sources if {
	sources := [inputs[k] | some k in ["cidrIp", "ipv6CidrIp"]; _set(inputs, k)]
	count(sources) > 0
}

_alicloud_sources(inputs) := [sprintf("prefix list %v", [inputs.prefixListId])] if {
	not _set(inputs, "cidrIp")
	not _set(inputs, "ipv6CidrIp")
	_set(inputs, "prefixListId")
}

_tencent_set_sources(rule) := sources if {
	sources := [rule[k] | some k in _tencent_source_keys; _set(rule, k)]
	count(sources) > 0
}

_tencent_set_sources(rule) := ["(no source)"] if count([k | some k in _tencent_source_keys; _set(rule, k)]) == 0

_tencent_source_keys := ["cidrBlock", "ipv6CidrBlock", "addressTemplateId", "addressTemplateGroup", "unreadable"]

_aws_sources(rule) := array.concat(
	array.concat(_list(rule, "cidrBlocks"), _list(rule, "ipv6CidrBlocks")),
	array.concat([sprintf("prefix list %v", [id]) | some id in _list(rule, "prefixListIds")], _list(rule, "unreadable")),
)

_list(rule, key) := object.get(rule, key, []) if is_array(object.get(rule, key, []))

_list(rule, key) := [rule[key]] if not is_array(object.get(rule, key, []))

# Protocol names and numbers as one word: "all" for every protocol (AWS -1, Huawei and Tencent ALL).
_protocol(p) := "all" if lower(sprintf("%v", [p])) in {"-1", "all", ""}

_protocol(p) := "tcp" if lower(sprintf("%v", [p])) in {"tcp", "6"}

_protocol(p) := lower(sprintf("%v", [p])) if not lower(sprintf("%v", [p])) in {"-1", "all", "", "tcp", "6"}

_aws_ranges(_, protocol) := [[0, 65535]] if _protocol(protocol) == "all"

_aws_ranges(rule, protocol) := _number_range(object.get(rule, "fromPort", 0), object.get(rule, "toPort", 65535)) if {
	_protocol(protocol) != "all"
}

_huawei_ranges(inputs) := _ranges(inputs.ports) if _set(inputs, "ports")

_huawei_ranges(inputs) := _number_range(object.get(inputs, "portRangeMin", 1), _max_port(inputs)) if {
	not _set(inputs, "ports")
}

_max_port(inputs) := object.get(inputs, "portRangeMax", 65535)

_number_range(low, high) := [[low, high]] if {
	is_number(low)
	is_number(high)
}

_number_range(low, high) := null if not _numbers(low, high)

_numbers(low, high) if {
	is_number(low)
	is_number(high)
}

# "22", "22,80", "8000-8100", "22/22", "-1/-1", "ALL" as a list of [low, high]; null when unreadable.
_ranges(text) := [[0, 65535]] if lower(trim_space(sprintf("%v", [text]))) in {"all", "-1/-1", "-1", ""}

_ranges(text) := [_range(item) | some item in split(trim_space(sprintf("%v", [text])), ",")] if {
	regex.match(`^\s*\d+([-/]\d+)?(\s*,\s*\d+([-/]\d+)?)*\s*$`, sprintf("%v", [text]))
}

_ranges(text) := null if {
	not lower(trim_space(sprintf("%v", [text]))) in {"all", "-1/-1", "-1", ""}
	not regex.match(`^\s*\d+([-/]\d+)?(\s*,\s*\d+([-/]\d+)?)*\s*$`, sprintf("%v", [text]))
}

_range(item) := [to_number(parts[0]), to_number(parts[1])] if {
	parts := regex.split(`[-/]`, trim_space(item))
	count(parts) == 2
}

_range(item) := [to_number(trim_space(item)), to_number(trim_space(item))] if {
	count(regex.split(`[-/]`, trim_space(item))) == 1
}

# Openings the rules can decide: a readable source (as a network) and readable ports and protocol.
decided contains object.union(o, {"network": network, "family": lib.family(network)}) if {
	some o in openings
	network := lib.network(o.source)
	o.ranges != null
	not lib.unreadable(o.protocol)
}

undecided contains o if {
	some o in openings
	not _decidable(o)
}

_decidable(o) if {
	lib.network(o.source)
	o.ranges != null
	not lib.unreadable(o.protocol)
}

_carries_tcp(o) if o.protocol in {"tcp", "all"}

_carries_tcp(o) if lib.unreadable(o.protocol)

_reaches(o, port) if {
	_carries_tcp(o)
	some [low, high] in o.ranges
	low <= port
	port <= high
}

# The ports to check for each protected range: its first port and every port inside it where some
# opening's range starts or ends. Which openings reach a port changes only there, so these few
# ports stand for every port of the range (a 30000-32767 NodePort range is a handful of checks).
checks contains [p.service, port] if {
	some p in protected
	some port in ({p.from} | {edge |
		some o in decided
		some [low, high] in o.ranges
		some edge in [low, high + 1]
		p.from < edge
		edge <= p.to
	})
}

# [port, family] pairs where the plan's openings, together, admit every internet address of the family.
world_open contains [port, fam] if {
	some port in {port | some [_, port] in checks}
	some fam, _ in lib.whole_space
	lib.internet_covered({o.network | some o in decided; o.family == fam; _reaches(o, port)}, fam)
}

_port_list(ports) := concat(", ", [sprintf("%d (%s)", [port, service]) | some [port, service] in sort(ports)])

# METADATA
# title: No internet ingress on sensitive ports
# description: |
#   No ingress rule (Huawei secgroup rules, Alibaba security-group rules, Tencent rules, rule sets
#   and lite rules, AWS ingress rules, groups and group rules) admits every IPv4 or IPv6 address
#   on a sensitive port (data.open_ingress.sensitive_ports: SSH, RDP, the Kubernetes API, kubelet,
#   etcd, databases, the model port, NodePorts) or a workload's container port. Sources are
#   decided as address sets: 0.0.0.0/00, 1.2.3.4/0 and 0::/0 are every address, 2000::/3 every
#   internet IPv6 address, and rules whose sources together cover every internet address (0.0.0.0/1
#   and 128.0.0.0/1; or every public range) are each named, except those whose source is not on the
#   internet (data.lib.not_internet_cidrs: private, loopback, link-local, reserved).
# custom:
#   id: IF-NET-003
#   severity: critical
#   enforcement: mandatory
#   remediation: Limit the rule's source to the VPC CIDR or declared peer CIDRs, or put a load balancer in front.
#   version: 2.0.0
deny contains v if {
	some o in decided
	not lib.off_internet(o.network)
	ports := {[port, service] |
		some [service, port] in checks
		[port, o.family] in world_open
		_reaches(o, port)
	}
	count(ports) > 0
	alone := _alone(o)
	detail := sprintf("ingress from %s admits every internet %s address%s on port %s", [
		o.source, o.family,
		_together(alone), _port_list(ports),
	])
	details := {"source": o.source, "network": o.network, "family": o.family, "alone": alone, "ports": [
	{"port": port, "service": service} |
		some [port, service] in sort(ports)
	]}
	v := lib.violation_with(rego.metadata.rule(), o.urn, detail, details)
}

_alone(o) if {
	lib.internet_covered({o.network}, o.family)
} else := false

_together(true) := ""

_together(false) := " (with the plan's other rules for the same port)"

# METADATA
# title: Ingress sources the gate can read
# description: |
#   An ingress rule whose source (a value known only after apply, a secret, a prefix list or
#   address group, a malformed CIDR), ports or protocol the plan cannot read, and which may reach
#   a sensitive port, is not passed on trust: the gate cannot decide it. Waive it when the source
#   is known to be private.
# custom:
#   id: IF-NET-005
#   severity: high
#   enforcement: mandatory
#   remediation: Write the source as a literal CIDR (or a security group), or waive the rule saying what it holds.
#   version: 1.0.0
deny contains v if {
	some o in undecided
	services := {p.service | some p in protected; _may_reach(o, p)}
	count(services) > 0
	detail := sprintf("cannot decide whether ingress from %v (ports %v, protocol %v) opens %s to the internet", [
		o.source, _shown(o.ranges), o.protocol,
		concat(", ", sort(services)),
	])
	details := {"source": o.source, "ranges": o.ranges, "protocol": o.protocol, "services": sort(services)}
	v := lib.violation_with(rego.metadata.rule(), o.urn, detail, details)
}

_may_reach(o, _) if {
	_carries_tcp(o)
	o.ranges == null
}

_may_reach(o, p) if {
	_carries_tcp(o)
	some [low, high] in o.ranges
	low <= p.to
	p.from <= high
}

_shown(null) := "unreadable"

_shown(ranges) := concat(",", [sprintf("%v-%v", r) | some r in ranges]) if ranges != null

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains t if {
	some t in {
		"huaweicloud:Vpc/secgroupRule:SecgroupRule", "alicloud:ecs/securityGroupRule:SecurityGroupRule",
		"tencentcloud:Security/groupRule:GroupRule", "tencentcloud:Security/groupRuleSet:GroupRuleSet",
		"tencentcloud:Security/groupLiteRule:GroupLiteRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
		"aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule",
	}
	lib.by_type[t]
}

examined contains r.type if some r in lib.workloads
