package example

deny contains msg if {
	some resource in input.resources
	resource.type == "vm"
	msg := sprintf("deny %s %s", [resource.type, resource.name])
}
