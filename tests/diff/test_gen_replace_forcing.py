"""The generator of the replace-forcing table reads Terraform schemas the way the providers write them."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest
from stackfiles import REPO

PROVIDER_GO = """package huaweicloud

import (
	"github.com/example/tfp/huaweicloud/services/cce"
)

func Provider() *schema.Provider {
	return &schema.Provider{
		DataSourcesMap: map[string]*schema.Resource{
			"huaweicloud_cce_node_pool": cce.DataSourceNodePool(),
		},
		ResourcesMap: map[string]*schema.Resource{
			"huaweicloud_cce_node_pool": cce.ResourceNodePool(),
		},
	}
}
"""

NODE_POOL_GO = """package cce

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	tags "github.com/example/tfp/huaweicloud/common"
)

var sharedGroups = &schema.Schema{
	Type:     schema.TypeList,
	Optional: true,
	ForceNew: true, // "quoted } brace" in a comment
	Elem:     &schema.Schema{Type: schema.TypeString},
}

func ResourceNodePool() *schema.Resource {
	return &schema.Resource{
		CustomizeDiff: func(d *schema.ResourceDiff) error { return d.ForceNew("password") },
		Schema: map[string]*schema.Schema{
			"flavor_id":          {Type: schema.TypeString, Required: true, ForceNew: true},
			"initial_node_count": {Type: schema.TypeInt, Required: true},
			"root_volume": {
				Type:     schema.TypeList,
				Required: true,
				MaxItems: 1,
				Elem: &schema.Resource{
					Schema: map[string]*schema.Schema{
						"size":       {Type: schema.TypeInt, Required: true, ForceNew: true},
						"volumetype": {Type: schema.TypeString, Required: true},
					},
				},
			},
			"data_volumes":    dataVolumeSchema(),
			"security_groups": sharedGroups,
			"password":        {Type: schema.TypeString, Optional: true, Sensitive: true},
			"tags":            tags.TagsSchema(),
			"labels":          tags.TagsSchemaForceNew(),
			"status":          {Type: schema.TypeString, Computed: true, ForceNew: true},
		},
	}
}

func dataVolumeSchema() *schema.Schema {
	return &schema.Schema{
		Type:     schema.TypeList,
		Required: true,
		Elem: &schema.Resource{
			Schema: map[string]*schema.Schema{
				"size": {Type: schema.TypeInt, Required: true},
				"kms_key_id": {Type: schema.TypeString, Optional: true, ForceNew: true},
			},
		},
	}
}
"""

COMMON_GO = """package common

func TagsSchema() *schema.Schema {
	return &schema.Schema{Type: schema.TypeMap, Optional: true, Elem: &schema.Schema{Type: schema.TypeString}}
}

func TagsSchemaForceNew() *schema.Schema {
	v := *TagsSchema()
	v.ForceNew = true
	return &v
}
"""


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import gen_replace_forcing
    finally:
        sys.path.remove(str(REPO / "tools"))
    return gen_replace_forcing


def _snapshot(root: Path) -> Path:
    files = {
        "go.mod": "module github.com/example/tfp\n\ngo 1.22\n",
        "huaweicloud/provider.go": PROVIDER_GO,
        "huaweicloud/services/cce/resource_huaweicloud_cce_node_pool.go": NODE_POOL_GO,
        "huaweicloud/common/tags.go": COMMON_GO,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_force_new_fields_become_the_sdk_input_paths(generator: ModuleType, tmp_path: Path) -> None:
    snapshot = generator.GoSnapshot(generator.SourceTree.parse(str(_snapshot(tmp_path))))
    unresolved: list[str] = []
    fields = generator.terraform_resource(snapshot, "huaweicloud", "huaweicloud_cce_node_pool", unresolved)
    conditional = generator.conditional_keys(snapshot, "huaweicloud", "huaweicloud_cce_node_pool")
    mapped = generator.map_to_sdk(fields, generator.sdk_class("huaweicloud:Cce/nodePool:NodePool"), conditional)

    assert unresolved == []
    # Nested blocks follow the SDK: MaxItems 1 is an object (rootVolume.size), a list has no index.
    assert mapped.properties == {"flavorId", "rootVolume.size", "dataVolumes.kmsKeyId", "securityGroups", "labels"}
    assert mapped.conditional == {"password"}
    assert mapped.not_in_sdk == set()


def test_a_resource_the_provider_does_not_register_is_an_error(generator: ModuleType, tmp_path: Path) -> None:
    snapshot = generator.GoSnapshot(generator.SourceTree.parse(str(_snapshot(tmp_path))))
    with pytest.raises(generator.GenerationError, match="huaweicloud_cce_cluster is not in the provider"):
        generator.terraform_resource(snapshot, "huaweicloud", "huaweicloud_cce_cluster", [])


def test_an_unresolvable_schema_part_is_reported_not_guessed(generator: ModuleType, tmp_path: Path) -> None:
    root = _snapshot(tmp_path)
    (root / "huaweicloud/common/tags.go").write_text("package common\n")
    snapshot = generator.GoSnapshot(generator.SourceTree.parse(str(root)))
    unresolved: list[str] = []
    generator.terraform_resource(snapshot, "huaweicloud", "huaweicloud_cce_node_pool", unresolved)
    assert unresolved == [
        "huaweicloud/services/cce: tags: tags.TagsSchema()",
        "huaweicloud/services/cce: labels: tags.TagsSchemaForceNew()",
    ]


def test_a_field_the_pinned_sdk_lacks_is_listed(generator: ModuleType, tmp_path: Path) -> None:
    root = _snapshot(tmp_path)
    source = root / "huaweicloud/services/cce/resource_huaweicloud_cce_node_pool.go"
    source.write_text(
        source.read_text().replace(
            '"initial_node_count": {',
            '"brand_new_field": {Type: schema.TypeString, Optional: true, ForceNew: true},\n'
            '\t\t\t"initial_node_count": {',
        )
    )
    snapshot = generator.GoSnapshot(generator.SourceTree.parse(str(root)))
    fields = generator.terraform_resource(snapshot, "huaweicloud", "huaweicloud_cce_node_pool", [])
    mapped = generator.map_to_sdk(fields, generator.sdk_class("huaweicloud:Cce/nodePool:NodePool"), set())
    assert mapped.not_in_sdk == {"brand_new_field"}
    assert "brandNewField" not in mapped.properties


def test_every_resource_type_the_modules_name_is_in_the_table(generator: ModuleType) -> None:
    """Not only the reference stacks' types: every provider class the modules and the composition use."""
    from inferfleet.diff.replacement import known_types

    named = generator.module_types()
    assert {"aws:autoscaling/group:Group", "kubernetes:apps/v1:Deployment", "pulumi:providers:kubernetes"} <= named
    assert named - known_types() == set()
