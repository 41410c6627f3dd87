# METADATA
# title: Protection
# description: Stateful production resources cannot be deleted by a plan without an explicit unprotect.
# custom:
#   version: 1.0.0
package protection

import data.lib

# METADATA
# title: Stateful resources protected in prod
# description: VPCs, disks and links of a prod stack carry Pulumi's protect option.
# custom:
#   id: IF-PROT-001
#   severity: high
#   enforcement: mandatory
#   remediation: Create the resource with ResourceOptions(protect=True) (the modules do for prod stacks).
#   version: 1.0.0
deny contains v if {
	input.env in data.protection.envs
	some r in lib.of_types(data.protection.stateful_types)
	object.get(r, ["options", "protect"], false) != true
	v := lib.violation(rego.metadata.rule(), r.urn, sprintf("%s %s is not protected", [r.type, r.name]))
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in lib.of_types(data.protection.stateful_types)
