"""Derive inferfleet/diff/replace_forcing.json: the input properties whose change replaces a resource.

The offline plan cannot ask a provider whether a change replaces a resource, so the diff reads this
table. It is derived, not written by hand:

- Terraform-bridged types (huaweicloud, alicloud, tencentcloud, aws): the upstream provider's Go
  sources, read from a local snapshot (a bare git repository at a ref, or a plain folder). A schema
  field marked `ForceNew: true` (SDKv2) or with a `RequiresReplace()` plan modifier (plugin framework)
  forces replacement; `d.ForceNew("x")` / `ForceNewIfChange("x", ...)` in the resource's own code
  forces it under a condition. Terraform names (`root_volume.0.size`) become the Pulumi input paths of
  the installed SDK (`rootVolume.size`) by walking the SDK's own input classes, so a renamed or
  pluralised field (`taint` -> `taints`) maps to what the plan shows, and a field the pinned SDK lacks
  is reported instead of guessed.
- Kubernetes types: pulumi-kubernetes' own replacement table (provider/pkg/provider/diff.go), evaluated
  here, plus the provider's DiffConfig keys.
- Pulumi dynamic resources: the `IMMUTABLE` fields of the modules' dynamic providers.

Usage (snapshots from the search tool's `fetch`; nothing fetched is committed, only the table):

    .venv/bin/python tools/gen_replace_forcing.py \\
        --tf huaweicloud=/work/.mirror/huaweicloud+terraform-provider-huaweicloud/repo@v1.73.3 \\
        --tf alicloud=/work/.mirror/aliyun+terraform-provider-alicloud/repo@HEAD \\
        --tf tencentcloud=/work/.mirror/tencentcloudstack+terraform-provider-tencentcloud/repo@v1.82.42 \\
        --tf aws=/tmp/gomod/github.com/hashicorp/terraform-provider-aws@v1.60.1-0.20260602190131-5f2286d6d836 \\
        --kubernetes /work/.mirror/pulumi+pulumi-kubernetes/repo@HEAD \\
        --bridge huaweicloud=/work/.mirror/huaweicloud+pulumi-huaweicloud/repo@HEAD \\
        --bridge alicloud=/work/.mirror/pulumi+pulumi-alicloud/repo@HEAD \\
        --bridge tencentcloud=/work/.mirror/tencentcloudstack+pulumi-tencentcloud/repo@v0.2.3 \\
        [--check]

The AWS provider is too large for a snapshot; its Go module zip at a commit comes from the Go module
proxy (`GOMODCACHE=/tmp/gomod go mod download github.com/hashicorp/terraform-provider-aws@<pseudo-version>`)
and is read as a plain folder.

Paths in the table are dotted Pulumi input paths; list elements carry no index (`dataVolumes.size`
is the size of any data volume). `--check` compares with the committed file instead of writing it.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "inferfleet" / "diff" / "replace_forcing.json"
FORMAT = "inferfleet.replace-forcing/v1"

# --- What the modules create: Pulumi type token -> (Terraform resource, how the SDK names it) -------------
# The Terraform name of each bridged type, as the bridges' resources.go map them. The generator checks
# that each name is registered by the upstream provider and that the SDK class exists.
TERRAFORM_NAMES: dict[str, str] = {
    "alicloud:cen/bandwidthLimit:BandwidthLimit": "alicloud_cen_bandwidth_limit",
    "alicloud:cen/bandwidthPackage:BandwidthPackage": "alicloud_cen_bandwidth_package",
    "alicloud:cen/bandwidthPackageAttachment:BandwidthPackageAttachment": "alicloud_cen_bandwidth_package_attachment",
    "alicloud:cen/instance:Instance": "alicloud_cen_instance",
    "alicloud:cen/instanceAttachment:InstanceAttachment": "alicloud_cen_instance_attachment",
    "alicloud:cs/managedKubernetes:ManagedKubernetes": "alicloud_cs_managed_kubernetes",
    "alicloud:cs/nodePool:NodePool": "alicloud_cs_kubernetes_node_pool",
    "alicloud:ecs/eipAddress:EipAddress": "alicloud_eip_address",
    "alicloud:ecs/eipAssociation:EipAssociation": "alicloud_eip_association",
    "alicloud:ecs/securityGroup:SecurityGroup": "alicloud_security_group",
    "alicloud:ecs/securityGroupRule:SecurityGroupRule": "alicloud_security_group_rule",
    "alicloud:ess/scalingConfiguration:ScalingConfiguration": "alicloud_ess_scaling_configuration",
    "alicloud:ess/scalingGroup:ScalingGroup": "alicloud_ess_scaling_group",
    "alicloud:expressconnect/physicalConnection:PhysicalConnection": "alicloud_express_connect_physical_connection",
    "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter": "alicloud_express_connect_virtual_border_router",
    "alicloud:vpc/bgpGroup:BgpGroup": "alicloud_vpc_bgp_group",
    "alicloud:vpc/bgpPeer:BgpPeer": "alicloud_vpc_bgp_peer",
    "alicloud:vpc/natGateway:NatGateway": "alicloud_nat_gateway",
    "alicloud:vpc/network:Network": "alicloud_vpc",
    "alicloud:vpc/snatEntry:SnatEntry": "alicloud_snat_entry",
    "alicloud:vpc/switch:Switch": "alicloud_vswitch",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "huaweicloud:As/configuration:Configuration": "huaweicloud_as_configuration",
    "huaweicloud:As/group:Group": "huaweicloud_as_group",
    "huaweicloud:Cc/connection:Connection": "huaweicloud_cc_connection",
    "huaweicloud:Cc/networkInstance:NetworkInstance": "huaweicloud_cc_network_instance",
    "huaweicloud:Cce/cluster:Cluster": "huaweicloud_cce_cluster",
    "huaweicloud:Cce/nodePool:NodePool": "huaweicloud_cce_node_pool",
    "huaweicloud:Dew/key:Key": "huaweicloud_kms_key",
    "huaweicloud:Ecs/instance:Instance": "huaweicloud_compute_instance",
    "huaweicloud:Vpc/secgroup:Secgroup": "huaweicloud_networking_secgroup",
    "huaweicloud:Vpc/secgroupRule:SecgroupRule": "huaweicloud_networking_secgroup_rule",
    "huaweicloud:Vpc/subnet:Subnet": "huaweicloud_vpc_subnet",
    "huaweicloud:Vpc/vpc:Vpc": "huaweicloud_vpc",
    "alicloud:ecs/instance:Instance": "alicloud_instance",
    "aws:autoscaling/group:Group": "aws_autoscaling_group",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": "aws_ec2_transit_gateway_peering_attachment",
    "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": (
        "aws_ec2_transit_gateway_peering_attachment_accepter"
    ),
    "aws:ec2transitgateway/route:Route": "aws_ec2_transit_gateway_route",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "aws_ec2_transit_gateway",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "aws_ec2_transit_gateway_vpc_attachment",
    "huaweicloud:Nat/gateway:Gateway": "huaweicloud_nat_gateway",
    "huaweicloud:Nat/snatRule:SnatRule": "huaweicloud_nat_snat_rule",
    "huaweicloud:Vpc/eip:Eip": "huaweicloud_vpc_eip",
    "tencentcloud:As/scalingConfig:ScalingConfig": "tencentcloud_as_scaling_config",
    "tencentcloud:As/scalingGroup:ScalingGroup": "tencentcloud_as_scaling_group",
    "tencentcloud:Ccn/attachmentV2:AttachmentV2": "tencentcloud_ccn_attachment_v2",
    "tencentcloud:Ccn/bandwidthLimit:BandwidthLimit": "tencentcloud_ccn_bandwidth_limit",
    "tencentcloud:Ccn/instance:Instance": "tencentcloud_ccn",
    "tencentcloud:Dc/gateway:Gateway": "tencentcloud_dc_gateway",
    "tencentcloud:Dc/instance:Instance": "tencentcloud_dc_instance",
    "tencentcloud:Dcx/instance:Instance": "tencentcloud_dcx",
    "tencentcloud:Eip/instance:Instance": "tencentcloud_eip",
    "tencentcloud:Instance/instance:Instance": "tencentcloud_instance",
    "tencentcloud:Nat/gateway:Gateway": "tencentcloud_nat_gateway",
    "tencentcloud:Route/tableEntry:TableEntry": "tencentcloud_route_table_entry",
    "tencentcloud:Kubernetes/cluster:Cluster": "tencentcloud_kubernetes_cluster",
    "tencentcloud:Kubernetes/nodePool:NodePool": "tencentcloud_kubernetes_node_pool",
    "tencentcloud:Security/group:Group": "tencentcloud_security_group",
    "tencentcloud:Security/groupRule:GroupRule": "tencentcloud_security_group_rule",
    "tencentcloud:Subnet/instance:Instance": "tencentcloud_subnet",
    "tencentcloud:Vpc/instance:Instance": "tencentcloud_vpc",
}

SDK_PACKAGES = {
    "huaweicloud": ("pulumi_huaweicloud", "pulumi-huaweicloud"),
    "alicloud": ("pulumi_alicloud", "pulumi-alicloud"),
    "tencentcloud": ("tencentcloud_iac_pulumi", "tencentcloud-iac-pulumi"),
    "aws": ("pulumi_aws", "pulumi-aws"),
    "kubernetes": ("pulumi_kubernetes", "pulumi-kubernetes"),
}

BRIDGE_REPOS = {
    "huaweicloud": "huaweicloud/pulumi-huaweicloud",
    "alicloud": "pulumi/pulumi-alicloud",
    "tencentcloud": "tencentcloudstack/pulumi-tencentcloud",
    "aws": "pulumi/pulumi-aws",
}

UPSTREAM_REPOS = {
    "huaweicloud": "huaweicloud/terraform-provider-huaweicloud",
    "alicloud": "aliyun/terraform-provider-alicloud",
    "tencentcloud": "tencentcloudstack/terraform-provider-tencentcloud",
    "aws": "hashicorp/terraform-provider-aws",
    "kubernetes": "pulumi/pulumi-kubernetes",
}

# What each pinned SDK bridges, and how close the snapshot read here is to it (found by hand; see --help).
BRIDGED_UPSTREAM = {
    "huaweicloud": "pulumi-huaweicloud 0.0.12: provider/go.mod requires terraform-provider-huaweicloud v1.73.3",
    "tencentcloud": "tencentcloud-iac-pulumi 0.2.3: pulumi-tencentcloud v0.2.3's provider/go.mod requires "
    "terraform-provider-tencentcloud v1.82.42",
    "alicloud": "pulumi-alicloud 4.0.0 bridges a release at or after v1.295.0 (its docs say 'Available since "
    "v1.295.0'); the newest upstream snapshot to be had was read instead: fields added since are missing here",
    "aws": "the upstream commit pulumi-aws 7.51.1 bridges was not determined; read from the Go module proxy's "
    "snapshot of 2026-06-02 (6.48.0 in development)",
    "kubernetes": "snapshot after v4.32.0 (4.34.2 not in it); diff.go's table unchanged in substance since 2024-08",
}

# Provider resources: the bridged providers (pulumi-terraform-bridge) replace a provider only for config
# keys marked ForcesProviderReplace (checked in the bridge's sources with --bridge); pulumi-kubernetes'
# DiffConfig replaces its provider (and so every resource it manages) when these keys change the active cluster.
KUBERNETES_PROVIDER_KEYS = ("clusterIdentifier", "kubeconfig", "context", "cluster", "renderYamlToDirectory")


class GenerationError(Exception):
    """The upstream sources do not say what the table needs; the message says where."""


# --- Reading a snapshot -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceTree:
    """Files of an upstream repository: a bare git repository at a ref, or a plain folder."""

    path: Path
    ref: str | None

    @classmethod
    def parse(cls, text: str) -> SourceTree:
        if Path(text).is_dir() and not (Path(text) / "HEAD").exists():
            return cls(Path(text), None)  # a plain folder, e.g. a Go module cache directory `module@version`
        path, _, ref = text.rpartition("@")
        return cls(Path(path), ref or None) if path else cls(Path(text), None)

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(self.path), *args], check=True, capture_output=True, text=True
        ).stdout

    def commit(self) -> str | None:
        return self._git("rev-parse", f"{self.ref}^{{commit}}").strip() if self.ref else None

    def files(self, folder: str) -> list[str]:
        if self.ref:
            listing = self._git("ls-tree", "--name-only", f"{self.ref}:{folder}")
            return [f"{folder}/{name}" for name in listing.split()]
        return [f"{folder}/{entry.name}" for entry in sorted((self.path / folder).iterdir()) if entry.is_file()]

    def read(self, file: str) -> str:
        if self.ref:
            return self._git("show", f"{self.ref}:{file}")
        return (self.path / file).read_text()


# --- A small reader of Go composite literals ---------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\\n]|\\.)*\'')


def strip_comments(source: str) -> str:
    """Go source with comments blanked (strings kept), so brace matching sees only code."""
    out: list[str] = []
    i = 0
    while i < len(source):
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = len(source) if end < 0 else end + 2
        elif source[i] in "\"`'":
            match = _STRING.match(source, i)
            if not match:
                raise GenerationError(f"unterminated Go string at offset {i}")
            out.append(match.group())
            i = match.end()
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def closing(text: str, start: int) -> int:
    """Index of the bracket closing the one at `start` (strings skipped)."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack = [pairs[text[start]]]
    i = start + 1
    while i < len(text):
        char = text[i]
        if char in "\"`'":
            match = _STRING.match(text, i)
            i = match.end() if match else i + 1
            continue
        if char in pairs:
            stack.append(pairs[char])
        elif char in ")]}":
            if char != stack.pop():
                raise GenerationError(f"unbalanced {char!r} at offset {i}")
            if not stack:
                return i
        i += 1
    raise GenerationError("unbalanced brackets")


def split_top(text: str, separator: str = ",") -> list[str]:
    """Split on a separator that is outside any bracket or string."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char in "\"`'":
            match = _STRING.match(text, i)
            i = match.end() if match else i + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def key_value(entry: str) -> tuple[str, str] | None:
    """`Key: value` of a composite-literal element (the colon outside brackets and strings)."""
    parts = split_top(entry, ":")
    if len(parts) < 2:
        return None
    key = parts[0]
    return key, entry[entry.index(":", len(key)) + 1 :].strip() if key else ""


def braces_after(text: str, prefix_pattern: str) -> str | None:
    """The body of the first `{...}` that follows a match of `prefix_pattern`."""
    match = re.search(prefix_pattern, text)
    if not match:
        return None
    start = text.index("{", match.end() - 1)
    return text[start + 1 : closing(text, start)]


@dataclass
class GoPackage:
    """The functions and string constants of one Go package of a snapshot."""

    folder: str
    functions: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


_FUNC = re.compile(r"^func\s+(?:\(\s*\w+\s+\*?(\w+)\s*\)\s*)?(\w+)\s*\(", re.MULTILINE)
_CONST = re.compile(r"^\s*(\w+)\s*(?:string\s*)?=\s*(\"[^\"\n]*\")\s*$", re.MULTILINE)
_IMPORT = re.compile(r'^\s*(?:(\w+)\s+)?"([^"]+)"\s*$', re.MULTILINE)


class GoSnapshot:
    """Go packages of a provider snapshot, parsed on demand."""

    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self._packages: dict[str, GoPackage] = {}
        self.module = re.search(r"^module\s+(\S+)", tree.read("go.mod"), re.MULTILINE)[1]  # type: ignore[index]

    def package(self, folder: str) -> GoPackage:
        if folder in self._packages:
            return self._packages[folder]
        package = GoPackage(folder)
        for file in self.tree.files(folder):
            if not file.endswith(".go") or file.endswith("_test.go"):
                continue
            source = strip_comments(self.tree.read(file))
            package.sources[file] = source
            opening = re.search(r"\bimport\s*\(", source)
            block = source[opening.end() : closing(source, opening.end() - 1)] if opening else ""
            block += "\n" + "\n".join(re.findall(r"^import\s+(.+)$", source, re.MULTILINE))
            for alias, path in _IMPORT.findall(block):
                if path.startswith(self.module + "/"):
                    package.imports[alias or path.rsplit("/", 1)[-1]] = path[len(self.module) + 1 :]
            for match in _FUNC.finditer(source):
                open_paren = source.index("(", match.end() - 1)
                body_start = source.find("{", closing(source, open_paren))
                # Skip the result list's braces (`map[string]*schema.Schema {`): the body's brace ends the line.
                while source[body_start + 1 : source.find("\n", body_start)].strip():
                    body_start = source.find("{", body_start + 1)
                name = f"{match[1]}.{match[2]}" if match[1] else match[2]
                package.functions[name] = source[body_start + 1 : closing(source, body_start)]
            for const_block in re.finditer(r"\bconst\s*\(", source):
                start = source.index("(", const_block.start())
                for name, value in _CONST.findall(source[start + 1 : closing(source, start)]):
                    package.constants[name] = json.loads(value)
            for match in re.finditer(r"^var\s+(\w+)\s*[^=\n]*=\s*", source, re.MULTILINE):
                package.variables[match[1]] = source[match.end() : _expression_end(source, match.end())]
            for var_block in re.finditer(r"^var\s*\(", source, re.MULTILINE):
                start = source.index("(", var_block.start())
                block = source[start + 1 : closing(source, start)]
                for match in re.finditer(r"^\s*(\w+)\s*[^=\n]*=\s*", block, re.MULTILINE):
                    package.variables[match[1]] = block[match.end() : _expression_end(block, match.end())]
            for name, value in re.findall(r"^const\s+(\w+)\s*(?:string\s*)?=\s*(\"[^\"\n]*\")", source, re.MULTILINE):
                package.constants[name] = json.loads(value)
        self._packages[folder] = package
        return package

    def resolve(self, package: GoPackage, expression: str) -> tuple[GoPackage, str]:
        """The package and name an identifier such as `names.AttrID` or `resourceX` refers to."""
        if "." in expression:
            alias, name = expression.split(".", 1)
            if alias in package.imports:
                return self.package(package.imports[alias]), name
        return package, expression

    def constant(self, package: GoPackage, expression: str) -> str | None:
        expression = expression.strip()
        if expression.startswith('"'):
            return str(json.loads(expression))
        if expression.startswith("`"):
            return expression.strip("`")
        owner, name = self.resolve(package, expression)
        return owner.constants.get(name)


# --- Terraform schema trees -------------------------------------------------------------------------------


@dataclass
class TfField:
    force_new: bool
    input: bool
    single: bool  # MaxItems 1: the bridge flattens the list into one object
    children: dict[str, TfField] | None


class SchemaReader:
    """Reads `map[string]*schema.Schema` literals (SDKv2) and framework attribute maps into TfField trees."""

    def __init__(self, snapshot: GoSnapshot, unresolved: list[str]) -> None:
        self.snapshot = snapshot
        self.unresolved = unresolved

    def schema_map(self, package: GoPackage, body: str) -> dict[str, TfField]:
        fields: dict[str, TfField] = {}
        for entry in split_top(body):
            pair = key_value(entry)
            if not pair:
                continue
            key = self.snapshot.constant(package, pair[0])
            if key is None:
                self.unresolved.append(f"{package.folder}: schema key {pair[0]}")
                continue
            value = self.field(package, pair[1], key)
            if value is not None:
                fields[key] = value
        return fields

    def field(self, package: GoPackage, value: str, where: str) -> TfField | None:
        value = value.strip()
        literal = re.match(r"^(?:&?schema\.Schema\s*)?\{", value)
        if literal:
            start = value.index("{")
            return self.schema_literal(package, value[start + 1 : closing(value, start)])
        if re.fullmatch(r"[\w.]+", value):
            owner, name = self.snapshot.resolve(package, value)
            if name in owner.variables:
                return self.field(owner, owner.variables[name], where)
        call = re.match(r"^([\w.]+)\((.*)\)$", value, re.DOTALL)
        if call:
            owner, name = self.snapshot.resolve(package, call[1])
            # A function, or a variable holding one (`var TagsSchema = sync.OnceValue(func() ... {...})`).
            body = owner.functions.get(name, owner.variables.get(name))
            if body is None:
                self.unresolved.append(f"{package.folder}: {where}: {value[:80]}")
                return None
            inner = braces_after(body, r"(?:return\s+|:=\s*|=\s*)&?schema\.Schema\s*\{")
            if inner is None:
                # A copy of another schema, changed: `v := *tftags.TagsSchema(); v.ConflictsWith = ...; return &v`.
                copied = re.search(r":=\s*\*?([\w.]+\(\))", body)
                if copied is None:
                    self.unresolved.append(f"{owner.folder}: {where}: {name} returns no schema literal")
                    return None
                result = self.field(owner, copied[1], where)
                if result is not None and re.search(r"\.ForceNew\s*=\s*true", body):
                    result.force_new = True
                return result
            result = self.schema_literal(owner, inner)
            if re.search(r"\.ForceNew\s*=\s*true", body):
                result.force_new = True
            if re.search(r"ForceNew\s*:\s*forceNew\b", inner) and re.search(r"\btrue\b", call[2]):
                result.force_new = True
            return result
        self.unresolved.append(f"{package.folder}: {where}: {value[:80]}")
        return None

    def schema_literal(self, package: GoPackage, body: str) -> TfField:
        attributes = {}
        for entry in split_top(body):
            pair = key_value(entry)
            if pair:
                attributes[pair[0]] = pair[1]
        children = None
        elem = attributes.get("Elem", "")
        if re.fullmatch(r"[\w.]+", elem):
            owner, name = self.snapshot.resolve(package, elem)
            if name in owner.variables:
                package, elem = owner, owner.variables[name]
        if re.match(r"^&?schema\.Resource\s*\{", elem):
            start = elem.index("{")
            children = self.resource_body(package, elem[start + 1 : closing(elem, start)])
        elif re.match(r"^[\w.]+\(.*\)$", elem, re.DOTALL):
            owner, name = self.snapshot.resolve(package, elem[: elem.index("(")])
            function = owner.functions.get(name)
            if function is not None and re.search(r"schema\.Resource\s*\{", function):
                inner = braces_after(function, r"&?schema\.Resource\s*\{")
                children = self.resource_body(owner, inner or "")
        return TfField(
            force_new=attributes.get("ForceNew") == "true",
            input=attributes.get("Required") == "true" or attributes.get("Optional") == "true",
            single=attributes.get("MaxItems") == "1",
            children=children,
        )

    def resource_body(self, package: GoPackage, body: str) -> dict[str, TfField]:
        for entry in split_top(body):
            pair = key_value(entry)
            if pair and pair[0] in ("Schema", "SchemaFunc"):
                value = pair[1]
                literal = braces_after(value, r"return\s+map\[string\]\*schema\.Schema\s*\{") or (
                    braces_after(value, r"^map\[string\]\*schema\.Schema\s*\{")
                )
                if literal is not None:  # `Schema: map...{}` or `SchemaFunc: func() map... { return map...{} }`
                    return self.schema_map(package, literal)
                owner, name = self.snapshot.resolve(package, value.split("(")[0])
                function = owner.functions.get(name, "")
                inner = braces_after(function, r"map\[string\]\*schema\.Schema\s*\{")
                if inner is None:
                    self.unresolved.append(f"{package.folder}: Schema: {value[:80]}")
                    return {}
                return self.schema_map(owner, inner)
        return {}

    def framework_attributes(self, package: GoPackage, body: str) -> dict[str, TfField]:
        """`Attributes: map[string]schema.Attribute{...}` of a plugin-framework resource."""
        fields: dict[str, TfField] = {}
        for entry in split_top(body):
            pair = key_value(entry)
            if not pair:
                continue
            key = self.snapshot.constant(package, pair[0])
            if key is None:
                self.unresolved.append(f"{package.folder}: attribute key {pair[0]}")
                continue
            value = pair[1]
            computed_only = re.search(r"\bComputed:\s*true", value) and not re.search(
                r"\b(Optional|Required):\s*true", value
            )
            fields[key] = TfField(
                force_new="RequiresReplace()" in value, input=not computed_only, single=False, children=None
            )
        return fields


_REGISTRATION = re.compile(r'"(\w+)"\s*:\s*([\w.]+)\(\)')


def terraform_resource(snapshot: GoSnapshot, cloud: str, tf_name: str, unresolved: list[str]) -> dict[str, TfField]:
    """The schema tree and conditional ForceNew keys of one upstream resource."""
    reader = SchemaReader(snapshot, unresolved)
    if cloud == "aws":
        return _aws_resource(snapshot, reader, tf_name)
    provider_folder = {"huaweicloud": "huaweicloud", "alicloud": "alicloud", "tencentcloud": "tencentcloud"}[cloud]
    provider = snapshot.package(provider_folder)
    source = provider.sources[f"{provider_folder}/provider.go"]
    resources = braces_after(source, r"ResourcesMap\s*:\s*map\[string\]\*schema\.Resource\s*\{")
    registered = dict(_REGISTRATION.findall(resources or ""))
    if tf_name not in registered:
        raise GenerationError(f"{cloud}: {tf_name} is not in the provider's ResourcesMap")
    package, function = snapshot.resolve(provider, registered[tf_name])
    return _sdk_resource(reader, package, function)


def _sdk_resource(reader: SchemaReader, package: GoPackage, function: str) -> dict[str, TfField]:
    body = package.functions.get(function)
    if body is None:
        raise GenerationError(f"{package.folder}: no function {function}")
    inner = braces_after(body, r"&?schema\.Resource\s*\{")
    if inner is None:
        raise GenerationError(f"{package.folder}: {function} returns no schema.Resource literal")
    fields = reader.resource_body(package, inner)
    if not fields:
        raise GenerationError(f"{package.folder}: {function}: no schema fields read")
    return fields


def _aws_resource(snapshot: GoSnapshot, reader: SchemaReader, tf_name: str) -> dict[str, TfField]:
    for folder in (
        "internal/service/ec2",
        "internal/service/eks",
        "internal/service/iam",
        "internal/service/autoscaling",
    ):
        package = snapshot.package(folder)
        for file, source in package.sources.items():
            raw = snapshot.tree.read(file)
            sdk = re.search(rf'@SDKResource\("{tf_name}"[^\n]*\n(?://[^\n]*\n)*func (\w+)\(', raw)
            if sdk:
                return _sdk_resource(reader, package, sdk[1])
            framework = re.search(rf'@FrameworkResource\("{tf_name}"[^\n]*\n(?://[^\n]*\n)*func (\w+)\(', raw)
            if framework:
                constructor = package.functions[framework[1]]
                kind = re.search(r"&(\w+)\s*\{", constructor)
                kind_name = kind[1] if kind else ""
                schema_method = package.functions.get(f"{kind_name}.Schema")
                if schema_method is None:
                    # The ingress and egress rules embed a shared rule type that holds the schema.
                    embedded = re.search(rf"type {kind_name} struct\s*\{{\s*(\w+)", source)
                    schema_method = package.functions.get(f"{embedded[1]}.Schema") if embedded else None
                if schema_method is None:
                    raise GenerationError(f"aws: {tf_name}: no Schema method for {kind_name}")
                attributes = braces_after(schema_method, r"Attributes\s*:\s*map\[string\]schema\.Attribute\s*\{")
                return reader.framework_attributes(package, attributes or "")
    raise GenerationError(f"aws: {tf_name}: no @SDKResource/@FrameworkResource annotation found")


def aws_region_forces_new(snapshot: GoSnapshot) -> bool:
    """Whether the AWS provider injects a top-level `region` into regional resources that forces replacement.

    Provider v6 adds `region` to every regional resource through interceptors, not in the resource's schema:
    a change of it replaces the resource (SDKv2 `forceNewIfRegionChanges`, framework
    `resourceForceNewIfRegionChanges`). Global resources (IAM) have no `region` input in the SDK.
    """
    sdkv2 = snapshot.tree.read("internal/provider/sdkv2/region.go")
    framework = snapshot.tree.read("internal/provider/framework/region.go")
    return "d.ForceNew(names.AttrRegion)" in sdkv2 and "func resourceForceNewIfRegionChanges()" in framework


def conditional_keys(snapshot: GoSnapshot, cloud: str, tf_name: str) -> set[str]:
    """Keys a resource's CustomizeDiff forces new under a condition (`d.ForceNew("x")`, `ForceNewIfChange`)."""
    stem = tf_name.split("_", 1)[1]
    keys: set[str] = set()
    for package in snapshot._packages.values():
        for file, source in package.sources.items():
            if Path(file).stem.endswith(stem) or Path(file).stem == f"resource_{tf_name}":
                keys.update(re.findall(r'\.ForceNew\(\s*"([\w.]+)"', source))
                keys.update(re.findall(r'ForceNewIf(?:Change)?\(\s*"([\w.]+)"', source))
    return keys


# --- Terraform names -> the pinned SDK's Pulumi input paths ------------------------------------------------


def sdk_class(token: str) -> type:
    """The SDK's input class of a type token, found through the SDK's own registry of resource modules."""
    python_package = SDK_PACKAGES[token.split(":", 1)[0]][0]
    init = Path(importlib.import_module(python_package).__file__ or "").read_text()
    registry = re.search(r'resource_modules="""(.*?)"""', init, re.DOTALL)
    for module in json.loads(registry[1] if registry else "[]"):
        if token in module["classes"]:
            kind = module["classes"][token]
            resource = getattr(importlib.import_module(module["fqn"]), kind)
            # The resource module's own class: a nested input type may share the name in the package namespace.
            # (the SDK then names the resource's own class `<Kind>InitArgs`).
            own = vars(sys.modules[resource.__module__])
            return own.get(f"{kind}InitArgs") or own[f"{kind}Args"]  # type: ignore[no-any-return]
    raise GenerationError(f"{token}: the installed {python_package} has no such resource")


def _input_names(args_class: type) -> dict[str, tuple[str, Any]]:
    """python name -> (Pulumi name, annotation) of an SDK input class."""
    names = {}
    for python_name, member in vars(args_class).items():
        if isinstance(member, property) and member.fget is not None:
            pulumi_name = getattr(member.fget, "_pulumi_name", python_name)
            names[python_name] = (pulumi_name, member.fget.__annotations__.get("return"))
    return names


def _nested_class(annotation: Any, module_name: str) -> type | None:
    """The input class an annotation such as `Optional[Input[Sequence[Input['XArgs']]]]` names."""
    text = repr(annotation)
    match = re.search(r"ForwardRef\('(\w+Args)'\)", text)
    if not match:
        return None
    package = importlib.import_module(module_name.rsplit(".", 1)[0])
    for candidate in (package, importlib.import_module(f"{package.__name__}._inputs")):
        found = getattr(candidate, match[1], None)
        if isinstance(found, type):
            return found
    return None


def _python_name(tf_name: str, names: dict[str, tuple[str, Any]]) -> str | None:
    candidates = [tf_name, f"{tf_name}s", f"{tf_name}es"]
    if tf_name.endswith("y"):
        candidates.append(f"{tf_name[:-1]}ies")
    return next((name for name in candidates if name in names), None)


@dataclass
class Mapped:
    properties: set[str] = field(default_factory=set)
    conditional: set[str] = field(default_factory=set)
    not_in_sdk: set[str] = field(default_factory=set)


def map_to_sdk(fields: dict[str, TfField], args_class: type, conditional: set[str]) -> Mapped:
    mapped = Mapped()

    def walk(tree: dict[str, TfField], cls: type, tf_prefix: str, pulumi_prefix: str) -> None:
        names = _input_names(cls)
        for tf_name, tf_field in sorted(tree.items()):
            if not tf_field.input:
                continue
            tf_path = f"{tf_prefix}{tf_name}"
            python_name = _python_name(tf_name, names)
            if python_name is None:
                if tf_field.force_new or tf_path in conditional:
                    mapped.not_in_sdk.add(tf_path)
                continue
            pulumi_name, annotation = names[python_name]
            path = f"{pulumi_prefix}{pulumi_name}"
            if tf_field.force_new:
                mapped.properties.add(path)
                continue
            if tf_path in conditional:
                mapped.conditional.add(path)
            if tf_field.children:
                nested = _nested_class(annotation, cls.__module__)
                if nested is not None:
                    walk(tf_field.children, nested, f"{tf_path}.", f"{path}.")

    normalised = {re.sub(r"\.\d+\.", ".", key) for key in conditional}
    conditional.clear()
    conditional.update(normalised)
    walk(fields, args_class, "", "")
    return mapped


# --- Kubernetes ---------------------------------------------------------------------------------------------


def kubernetes_table(tree: SourceTree) -> dict[str, list[str]]:
    """Evaluate pulumi-kubernetes' forceNew table: group -> version -> kind -> replace-forcing paths."""
    source = strip_comments(tree.read("provider/pkg/provider/diff.go"))
    helpers: dict[str, list[str]] = {}
    for name in re.findall(r"^func (\w+ForceNewProperties)\(", source, re.MULTILINE):
        body = braces_after(source, rf"(?m)^func {name}\([^)]*\)[^{{]*\{{")
        helpers[name] = re.findall(r'prefix\s*\+\s*"([^"]+)"', body or "")

    def evaluate(expression: str) -> list[str]:
        expression = expression.strip()
        if expression.startswith("append("):
            parts = split_top(expression[len("append(") : closing(expression, len("append"))])
            return [path for part in parts for path in evaluate(part.removesuffix("..."))]
        if expression.startswith("properties{"):
            return [json.loads(item) for item in split_top(expression[len("properties{") : -1])]
        call = re.match(r"^(\w+ForceNewProperties)\((.*)\)$", expression, re.DOTALL)
        if call:
            prefixes = [json.loads(arg) for arg in split_top(call[2])]
            return [prefix + suffix for prefix in prefixes for suffix in helpers[call[1]]]
        if expression in texts:
            return evaluate(texts[expression])
        raise GenerationError(f"pulumi-kubernetes diff.go: cannot evaluate {expression[:60]!r}")

    texts: dict[str, str] = {}
    for match in re.finditer(r"^var (\w+) = ", source, re.MULTILINE):
        texts[match[1]] = source[match.end() : _expression_end(source, match.end())]
    kinds: dict[str, list[str]] = {}
    groups_body = texts.pop("forceNew")
    for group_key, group_value in _entries(groups_body):
        group = json.loads(group_key)
        for version_key, kinds_value in _entries(texts.get(group_value, group_value)):
            version = json.loads(version_key)
            for kind_key, props in _entries(kinds_value):
                kinds[f"{group}/{version}:{json.loads(kind_key)}" if group else f"{version}:{json.loads(kind_key)}"] = (
                    evaluate(props)
                )
    kinds["*"] = [".metadata" + suffix for suffix in helpers["metadataForceNewProperties"]]
    # A ConfigMap is replaced when its data changes, unless the provider is set to mutable ConfigMaps
    # (enableConfigMapMutable, which the fleet's providers leave off).
    config_map = re.search(r"IsConfigMap\(obj\)[^{]*\{\s*props = append\(props, (properties\{[^}]*\})", source)
    if not config_map:
        raise GenerationError("pulumi-kubernetes diff.go: the ConfigMap rule was not found")
    kinds["ConfigMap"] = evaluate(config_map[1])
    # Likewise a Secret's data, unless the provider is set to mutable Secrets (enableSecretMutable: off here).
    secret = re.search(r"IsSecret\(obj\)[^{]*\{\s*props = append\(props, (properties\{[^}]*\})", source)
    if not secret:
        raise GenerationError("pulumi-kubernetes diff.go: the Secret rule was not found")
    kinds["Secret"] = evaluate(secret[1])
    return kinds


def _entries(literal: str) -> Iterator[tuple[str, str]]:
    """`key: value` elements of a Go map literal such as `_kinds{"Job": job, ...}`."""
    for entry in split_top(literal[literal.index("{") + 1 : literal.rindex("}")]):
        pair = key_value(entry)
        if pair is None:
            raise GenerationError(f"pulumi-kubernetes diff.go: not a map element: {entry[:60]!r}")
        yield pair


def _expression_end(source: str, start: int) -> int:
    i = start
    while i < len(source):
        if source[i] in "({[":
            i = closing(source, i) + 1
            continue
        if source[i] == "\n":
            return i
        i += 1
    return i


def kubernetes_paths(paths: list[str]) -> list[str]:
    """pulumi-kubernetes paths (`.spec.containers[*].image`) as plan input paths (`spec.containers.image`)."""
    return sorted({path.lstrip(".").replace("[*]", "") for path in paths})


# --- Assemble the table ---------------------------------------------------------------------------------------


def reference_types() -> list[str]:
    """Every custom resource type in the plans of the reference stacks."""
    sys.path.insert(0, str(REPO))
    from inferfleet.plan import Planner
    from inferfleet.spec import list_stacks

    planner = Planner(REPO / "stacks")
    types = {
        resource["type"]
        for name in list_stacks(REPO / "stacks")
        for resource in planner.plan(name)["resources"]
        if resource["custom"]
    }
    return sorted(types)


SDK_IMPORTS = {python: cloud for cloud, (python, _) in SDK_PACKAGES.items()}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _resolve(path: str) -> Any:
    """The object a dotted path names, by attribute first: `pulumi_kubernetes.apps.v1.Deployment` is the class
    the package exports, not the submodule of the same name."""
    parts = path.split(".")
    found: Any = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        attribute = getattr(found, part, None)
        if attribute is None:
            try:
                attribute = importlib.import_module(".".join(parts[: index + 1]))
            except ImportError:
                return None
        found = attribute
    return found


def module_types() -> set[str]:
    """Every provider resource class the modules and the composition name (created in some configuration).

    Read from their source (AST): an attribute chain rooted at an imported provider SDK (`ali.vpc.Switch`,
    `k8s.apps.v1.Deployment`) that resolves to a CustomResource class. Generic classes whose type is chosen
    at run time (`apiextensions.CustomResource`) have no token and are covered by the reference plans.
    """
    import pulumi

    files = sorted((REPO / "modules").glob("*/inferfleet_*/**/*.py")) + sorted(
        (REPO / "inferfleet/compose").glob("*.py")
    )
    types: set[str] = set()
    for file in files:
        tree = ast.parse(file.read_text(), str(file))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases.update({a.asname or a.name: a.name for a in node.names if a.name.split(".")[0] in SDK_IMPORTS})
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SDK_IMPORTS:
                aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        for node in ast.walk(tree):
            dotted = _dotted(node) if isinstance(node, ast.Attribute) else None
            root = (dotted or "").split(".")[0]
            if dotted is None or root not in aliases:
                continue
            found = _resolve(aliases[root] + dotted[len(root) :])
            if not (isinstance(found, type) and issubclass(found, pulumi.CustomResource)):
                continue
            if issubclass(found, pulumi.ProviderResource):
                types.add(f"pulumi:providers:{SDK_IMPORTS[found.__module__.split('.')[0]]}")
                continue
            token = re.search(r"__init__\(\s*'([\w-]+:[^']+:[^']+)'", inspect.getsource(found))
            if token:
                types.add(token[1])
    return types


def sdk_version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def dynamic_row() -> dict[str, Any]:
    from inferfleet_vpc import _huaweicloud_cc

    providers = [_huaweicloud_cc.BandwidthPackageProvider, _huaweicloud_cc.InterRegionBandwidthProvider]
    properties = sorted({key for provider in providers for key in provider.IMMUTABLE})
    return {
        "source": "modules/vpc/inferfleet_vpc/_huaweicloud_cc.py: IMMUTABLE of "
        + ", ".join(provider.__name__ for provider in providers),
        "version": "this repository",
        "properties": properties,
        "conditional": [],
        "note": "every dynamic resource shares this type; the providers' input names do not overlap, so the "
        "union is exact for each",
    }


def describe(repository: str, tree: SourceTree) -> str:
    commit = tree.commit()
    return f"{repository}@{commit}" if commit else f"{repository} ({tree.path.name})"


def provider_row(package: str, kubernetes_tree: SourceTree, bridge: SourceTree | None) -> dict[str, Any]:
    """Which config keys of an explicit provider replace it (and every resource it manages)."""
    if package == "kubernetes":
        source = kubernetes_tree.read("provider/pkg/provider/provider.go")
        missing = [key for key in KUBERNETES_PROVIDER_KEYS if f'"{key}"' not in source]
        if missing:
            raise GenerationError(f"pulumi-kubernetes provider.go no longer names {missing} in DiffConfig")
        return {
            "source": f"{describe(UPSTREAM_REPOS['kubernetes'], kubernetes_tree)} (provider.go DiffConfig: "
            "replaces when the active cluster changes)",
            "conditional": list(KUBERNETES_PROVIDER_KEYS),
        }
    if bridge is None:
        return {
            "source": "bridge sources not read: pulumi-terraform-bridge replaces a provider for config keys marked "
            "ForcesProviderReplace, and pulumi/pulumi-aws#3826 shows `region` marked so at one time",
            "conditional": ["region"],
        }
    marked = [
        file
        for file in bridge.files("provider")
        if file.endswith(".go") and "ForcesProviderReplace" in bridge.read(file)
    ]
    if marked:
        raise GenerationError(f"{bridge.path}: ForcesProviderReplace in {marked}: read which keys by hand")
    return {
        "source": f"{describe(BRIDGE_REPOS[package], bridge)}: no config key marked ForcesProviderReplace, so "
        "pulumi-terraform-bridge's DiffConfig never replaces the provider",
        "conditional": [],
    }


def build(
    tf_trees: dict[str, SourceTree], kubernetes_tree: SourceTree, bridges: dict[str, SourceTree]
) -> dict[str, Any]:
    types = sorted(set(reference_types()) | module_types())
    snapshots = {cloud: GoSnapshot(tree) for cloud, tree in tf_trees.items()}
    k8s_kinds = kubernetes_table(kubernetes_tree)
    rows: dict[str, Any] = {}
    problems: list[str] = []
    for token in types:
        cloud = token.split(":", 1)[0]
        if token in TERRAFORM_NAMES:
            if cloud not in snapshots:
                raise GenerationError(f"{token}: no --tf {cloud}=... snapshot given")
            snapshot = snapshots[cloud]
            unresolved: list[str] = []
            tf_name = TERRAFORM_NAMES[token]
            fields = terraform_resource(snapshot, cloud, tf_name, unresolved)
            conditional = conditional_keys(snapshot, cloud, tf_name)
            args_class = sdk_class(token)
            mapped = map_to_sdk(fields, args_class, conditional)
            if cloud == "aws" and "region" in _input_names(args_class) and aws_region_forces_new(snapshot):
                mapped.properties.add("region")
            problems.extend(f"{token}: {item}" for item in unresolved)
            rows[token] = {
                "source": f"{describe(UPSTREAM_REPOS[cloud], snapshot.tree)} ({tf_name})",
                "version": f"{SDK_PACKAGES[cloud][1]} {sdk_version(SDK_PACKAGES[cloud][1])}",
                "upstream_note": BRIDGED_UPSTREAM[cloud],
                "properties": sorted(mapped.properties),
                "conditional": sorted(mapped.conditional - mapped.properties),
                "upstream_not_in_sdk": sorted(mapped.not_in_sdk),
            }
        elif cloud == "kubernetes":
            api_kind = token.split(":", 1)[1]
            api, kind = api_kind.rsplit(":", 1)
            paths = [*k8s_kinds["*"], *k8s_kinds.get(f"{api}:{kind}", [])]
            extra = k8s_kinds[kind] if api == "core/v1" and kind in ("ConfigMap", "Secret") else []
            rows[token] = {
                "source": f"{describe(UPSTREAM_REPOS['kubernetes'], kubernetes_tree)} "
                "(provider/pkg/provider/diff.go forceNewProperties)",
                "upstream_note": BRIDGED_UPSTREAM["kubernetes"],
                "version": f"pulumi-kubernetes {sdk_version('pulumi-kubernetes')}",
                "properties": kubernetes_paths(paths + extra),
                "conditional": [],
            }
        elif token.startswith("pulumi:providers:"):
            package = token.rsplit(":", 1)[1]
            rows[token] = {
                **provider_row(package, kubernetes_tree, bridges.get(package)),
                "version": f"{SDK_PACKAGES[package][1]} {sdk_version(SDK_PACKAGES[package][1])}",
                "properties": [],
            }
        elif token == "pulumi:pulumi:StackReference":
            rows[token] = {
                "source": "pulumi engine: a StackReference is read, never created or replaced",
                "version": f"pulumi {sdk_version('pulumi')}",
                "properties": [],
                "conditional": [],
            }
        elif token == "pulumi-python:dynamic:Resource":
            rows[token] = dynamic_row()
        else:
            raise GenerationError(f"{token}: no source of replace-forcing properties is known for this type")
    if problems:
        raise GenerationError("unresolved schema parts:\n  " + "\n  ".join(problems))
    return {"format": FORMAT, "generated_by": "tools/gen_replace_forcing.py", "types": rows}


def dumps(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(REPO))
    from inferfleet.errors import InferfleetError

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tf", action="append", default=[], metavar="CLOUD=PATH[@REF]")
    parser.add_argument("--kubernetes", required=True, metavar="PATH[@REF]")
    parser.add_argument("--bridge", action="append", default=[], metavar="CLOUD=PATH[@REF]")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with the committed table, write nothing")
    options = parser.parse_args(argv)
    trees = {}
    for item in options.tf:
        cloud, _, location = item.partition("=")
        trees[cloud] = SourceTree.parse(location)
    bridges = {}
    for item in options.bridge:
        cloud, _, location = item.partition("=")
        bridges[cloud] = SourceTree.parse(location)
    try:
        text = dumps(build(trees, SourceTree.parse(options.kubernetes), bridges))
    except (GenerationError, subprocess.CalledProcessError, InferfleetError) as error:
        print(f"gen_replace_forcing: {error}", file=sys.stderr)
        return 2
    if options.check:
        same = options.out.exists() and options.out.read_text() == text
        print("up to date" if same else f"{options.out} differs from the upstream sources", file=sys.stderr)
        return 0 if same else 1
    write_atomically(options.out, text)
    print(f"wrote {options.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
