# METADATA
# title: Shared helpers of the inferfleet policies
# description: |
#   The resource model every policy shares: resources by URN, compute resources and their
#   flavors, node counts and user-data (from the data tables in data.yaml), GPU nodes, and the
#   violation object built from a rule's METADATA.
package lib

# The violation every deny rule returns, built from the METADATA of the rule that fired.
violation(meta, urn, detail) := {
	"policy_id": meta.custom.id,
	"title": meta.title,
	"severity": meta.custom.severity,
	"enforcement": meta.custom.enforcement,
	"version": meta.custom.version,
	"urn": urn,
	"message": sprintf("%s: %s", [meta.title, detail]),
	"remediation": meta.custom.remediation,
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

# User-data as written and, when it is base64 (as most clouds want it), decoded.
user_data_texts(r) := {t |
	some s in user_data(r)
	some t in {s, _decoded(s)}
}

_decoded(text) := base64.decode(text) if regex.match(`^[A-Za-z0-9+/\r\n]+=*$`, text)

_decoded(text) := text if not regex.match(`^[A-Za-z0-9+/\r\n]+=*$`, text)

stack_urn := by_type["pulumi:pulumi:Stack"][0].urn

default stack_location := "stack"

stack_location := stack_urn

is_prod if input.env == "prod"
