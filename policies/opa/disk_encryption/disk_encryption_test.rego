package disk_encryption_test

import data.disk_encryption

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_encrypted_aws_instance if {
	vm := {"urn": "u:vm", "type": "aws:ec2/instance:Instance", "name": "vm", "inputs": {
		"rootBlockDevice": {"encrypted": true},
		"ebsBlockDevices": [{"deviceName": "/dev/sdb", "encrypted": true}],
	}}
	disk_encryption.deny == set() with input as plan([vm])
}

test_deny_default_root_volume if {
	vm := {"urn": "u:vm", "type": "aws:ec2/instance:Instance", "name": "vm", "inputs": {}}
	found(disk_encryption.deny) == {[
		"IF-DSK-001", "u:vm",
		"Disks encrypted: aws:ec2/instance:Instance vm has an unencrypted root volume (encrypted not set)",
	]} with input as plan([vm])
}

test_deny_one_plain_data_disk if {
	pool := {"urn": "u:p", "type": "alicloud:cs/nodePool:NodePool", "name": "p", "inputs": {
		"systemDiskEncrypted": true,
		"dataDisks": [{"encrypted": "true"}, {"encrypted": false}],
	}}
	found(disk_encryption.deny) == {[
		"IF-DSK-001", "u:p",
		"Disks encrypted: alicloud:cs/nodePool:NodePool p has an unencrypted data disk (encrypted not set)",
	]} with input as plan([pool])
}

test_allow_huawei_kms_key_known_after_apply if {
	vol := {
		"urn": "u:v",
		"type": "huaweicloud:Evs/volume:Volume",
		"name": "v",
		"inputs": {"kmsId": "(known after apply)"},
	}
	disk_encryption.deny == set() with input as plan([vol])
}
