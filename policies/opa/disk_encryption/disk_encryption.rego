# METADATA
# title: Disk encryption
# description: Every disk the plan creates is encrypted at rest, on all four clouds.
# custom:
#   version: 1.0.0
package disk_encryption

import data.lib

# Each disk of a resource: [check, the disk object]. A single disk that is absent counts as an
# empty (unencrypted) one: the cloud's default disk is not encrypted.
disks_of(r) := {[check, disk] |
	some check in data.disk_encryption.disks[r.type]
	some disk in _objects_at(r.inputs, check.path)
}

_objects_at(value, path) := [object.get(value, path, {})] if not "*" in path

_objects_at(value, path) := [item |
	some i, step in path
	step == "*"
	items := object.get(value, array.slice(path, 0, i), [])
	is_array(items)
	some raw in items
	item := object.get(raw, array.slice(path, i + 1, count(path)), null)
	is_object(item)
] if "*" in path

_encrypted(disk, check) if {
	check.when == "true"
	disk[check.key] in {true, "true"}
}

_encrypted(disk, check) if {
	check.when == "set"
	is_string(disk[check.key])
	disk[check.key] != ""
}

# METADATA
# title: Disks encrypted
# description: |
#   System, data and standalone disks (and database storage) are encrypted: an encryption flag
#   or a KMS key on every disk of the types in data.disk_encryption.disks.
# custom:
#   id: IF-DSK-001
#   severity: high
#   enforcement: mandatory
#   remediation: Set the disk's encryption flag or KMS key (the gpu_instance module does so by default).
#   version: 1.0.0
deny contains v if {
	some r in lib.of_types(data.disk_encryption.disks)
	some [check, disk] in disks_of(r)
	not _encrypted(disk, check)
	detail := sprintf("%s %s has an unencrypted %s (%s not set)", [r.type, r.name, check.name, check.key])
	v := lib.violation(rego.metadata.rule(), r.urn, detail)
}

# Resource types this policy's rules read (the gate reports the plan's types no policy reads).
examined contains r.type if some r in lib.of_types(data.disk_encryption.disks)
