# METADATA
# title: Shared helpers of the inferfleet policies
# description: |
#   The resource model every policy shares: resources by URN, compute resources and their
#   flavors, node counts and user-data (from the data tables in data.yaml), GPU nodes, and the
#   violation object built from a rule's METADATA.
package lib

# The violation every deny rule returns, built from the METADATA of the rule that fired.
violation(meta, urn, detail) := violation_with(meta, urn, detail, {})

# The same, with the facts behind it (the open port, the source, the mount) in `details`, so a
# report, a waiver or a review can use them without parsing the message.
violation_with(meta, urn, detail, details) := {
	"policy_id": meta.custom.id,
	"title": meta.title,
	"severity": meta.custom.severity,
	"enforcement": meta.custom.enforcement,
	"version": meta.custom.version,
	"urn": urn,
	"message": sprintf("%s: %s", [meta.title, detail]),
	"remediation": meta.custom.remediation,
	"details": details,
}

resources := input.resources

# Resources grouped by type, computed once per query (OPA indexes the inner comprehension).
by_type := {t: rs |
	some r in input.resources
	t := r.type
	rs := [x | some x in input.resources; x.type == t]
}

# Resources whose type is a key of an object or a member of a list or set of types.
of_types(types) := [r |
	some t, rs in by_type
	_listed(types, t)
	some r in rs
]

_listed(types, t) if {
	is_object(types)
	types[t]
}

_listed(types, t) if {
	not is_object(types)
	t in types
}

# Templates (launch templates, scaling configurations) by URN: what groups and node pools depend on.
templates := {t.urn: t |
	some t in of_types(data.lib.compute_types)
	object.get(compute_spec(t), "template", false)
}

env := input.env

# The value at a path of keys (a list), or null when any step is missing.
at(value, path) := object.get(value, path, null)

# Values found at any of the paths, lists flattened: the strings a flavor or user-data field holds.
strings_at(value, paths) := {s |
	some path in paths
	found := at(value, path)
	some s in _as_list(found)
	is_string(s)
	s != ""
}

_as_list(x) := x if is_array(x)

_as_list(x) := [x] if not is_array(x)

compute_spec(r) := data.lib.compute_types[r.type]

# Flavors a compute resource names itself, plus those of the templates (launch templates,
# scaling configurations) it depends on: a scaling group's nodes are its template's flavor.
flavors(r) := own | template if {
	spec := compute_spec(r)
	own := strings_at(r.inputs, object.get(spec, "flavors", []))
	template := {f |
		some t in templates_of(r)
		some f in strings_at(t.inputs, object.get(compute_spec(t), "flavors", []))
	}
}

# The templates a group uses: those it depends on (AWS, Huawei, Tencent groups name their launch
# template or configuration) and those that depend on it (an Alibaba ESS configuration names its group).
templates_of(r) := array.concat(
	[t | some dep in r.dependencies; t := templates[dep]],
	object.get(templates_naming, r.urn, []),
)

templates_naming := {group: [t | some t in templates; group in t.dependencies] |
	some template in templates
	some group in template.dependencies
}

accelerator_flavor(flavor) if data.lib.accelerator_flavors[flavor]

accelerator_flavor(flavor) if {
	some pattern in data.lib.gpu_flavor_patterns
	regex.match(pattern, flavor)
}

# GPU nodes (by URN): compute resources (instances, node pools, groups, templates) with an accelerator flavor.
gpu_urns contains r.urn if {
	some r in of_types(data.lib.compute_types)
	some flavor in flavors(r)
	accelerator_flavor(flavor)
}

gpu_nodes := [r |
	some r in of_types(data.lib.compute_types)
	r.urn in gpu_urns
]

# Largest node count a resource can reach (1 for a single instance, 0 for a bare template).
max_nodes(r) := max({n |
	some path in object.get(compute_spec(r), "nodes", [])
	n := at(r.inputs, path)
	is_number(n)
} | {object.get(compute_spec(r), "fixed_nodes", 0)})

# Accelerators on one node of a resource: the largest count among its flavors.
accelerators_per_node(r) := max({n |
	some flavor in flavors(r)
	n := data.lib.accelerator_flavors[flavor].count
} | {0})

user_data(r) := strings_at(r.inputs, object.get(compute_spec(r), "user_data", []))

# User-data as written and, when it is base64 (as most clouds want it), decoded. Where the plan masks
# it (it holds a secret), the text the owning GPU pool published, with the secrets as placeholders.
user_data_texts(r) := {t |
	some s in user_data(r)
	not unreadable(s)
	some t in {s, _decoded(s)}
} | shown_user_data(r)

shown_user_data(r) := {t |
	some s in user_data(r)
	unreadable(s)
	some pool in by_type["inferfleet:gpu_instance:GpuPool"]
	pool.urn == r.parent
	t := pool.outputs.user_data
	is_string(t)
}

# Compute resources whose user data the plan masks and no pool shows: the gate cannot read their boot script.
unreadable_user_data contains r if {
	some r in of_types(data.lib.compute_types)
	some s in user_data(r)
	unreadable(s)
	count(shown_user_data(r)) == 0
}

_decoded(text) := base64.decode(text) if regex.match(`^[A-Za-z0-9+/\r\n]+=*$`, text)

_decoded(text) := text if not regex.match(`^[A-Za-z0-9+/\r\n]+=*$`, text)

stack_urn := by_type["pulumi:pulumi:Stack"][0].urn

default stack_location := "stack"

stack_location := stack_urn

is_prod if input.env == "prod"

# Addresses. A source is decided on the set of addresses it stands for, not on its spelling:
# "0.0.0.0/00", "1.2.3.4/0" and "::ffff:0.0.0.0/96" all normalise to "0.0.0.0/0", "0::/0" to
# "::/0", a bare address to its host network. A source that does not parse (a value the plan
# cannot know, a secret, a prefix list name) has no network: callers fail closed on it.
network(source) := normalised if {
	is_string(source)
	text := _with_prefix(trim_space(source))
	net.cidr_is_valid(text)
	some normalised in net.cidr_merge([text])
}

_with_prefix(text) := text if contains(text, "/")

_with_prefix(text) := concat("", [text, "/128"]) if {
	not contains(text, "/")
	contains(text, ":")
}

_with_prefix(text) := concat("", [text, "/32"]) if {
	not contains(text, "/")
	not contains(text, ":")
}

# Every address of a family. net.cidr_merge mixes families (it folds 0.0.0.0/1 into ::/0), so
# networks are merged one family at a time.
whole_space := {"IPv4": "0.0.0.0/0", "IPv6": "::/0"}

family(network) := "IPv6" if contains(network, ":")

family(network) := "IPv4" if not contains(network, ":")

# Whether normalised networks, together, hold every address of one family.
covers_family(networks, fam) if {
	same := {n | some n in networks; family(n) == fam}
	count(same) > 0
	net.cidr_merge(same) == {whole_space[fam]}
}

# Addresses no internet packet carries, per family (data.lib.not_internet_cidrs).
not_internet[fam] := {n | some c in data.lib.not_internet_cidrs; n := network(c); family(n) == fam} if {
	some fam, _ in whole_space
}

# Whether networks admit every internet address of a family: with what is not the internet they are the whole space.
internet_covered(networks, fam) if covers_family(networks | not_internet[fam], fam)

# Whether a network lies outside the internet. Families apart: net.cidr_contains("::/3", "0.0.0.0/1") is
# true (OPA reads IPv4 as IPv4-mapped IPv6).
off_internet(network) if {
	some range in not_internet[family(network)]
	net.cidr_contains(range, network)
}

# The families whose every internet address a set of sources admits ({} when none or one is unreadable).
open_families(sources) := {fam |
	networks := {n | some s in sources; n := network(s)}
	count(networks) == count({s | some s in sources})
	some fam, _ in whole_space
	internet_covered(networks, fam)
}

# Values that stand for something the plan cannot read (unknown until apply, or a secret).
unreadable(value) if value in data.lib.unreadable_values

# Kubernetes workloads: every resource with a pod spec (paths per kind in data), and every container
# of their pods as {r, c, kind} (kind: containers, initContainers or ephemeralContainers).
workloads := of_types(data.lib.pod_spec_paths)

pod_spec(r) := object.get(r.inputs, data.lib.pod_spec_paths[r.type], {})

containers := [{"r": r, "c": c, "kind": kind} |
	some r in workloads
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some c in object.get(pod_spec(r), kind, [])
]

# Resource types of the plan that no policy examined (`examined` is the union of every policy's
# `examined` set), with their counts: what a reviewer checks by hand. Stacks, providers, stack
# references and component resources are not infrastructure and are left out.
unexamined(examined) := {t: count(rs) |
	some t, rs in by_type
	not t in examined
	_infrastructure(rs[0])
}

_infrastructure(r) if {
	r.custom == true
	not startswith(r.type, "pulumi:")
}
