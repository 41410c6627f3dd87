"""The policy fixtures: a compliant prod plan, and per policy the resources that allow or deny.

`generate_fixtures.py` writes each case as policies/opa/<policy>/{allowed,denied}_<case>.json
(a complete `inferfleet.plan/v1` document); test_policy_fixtures.py runs every fixture through
the real gate and the real OPA. A denied case names the rule ids it must raise, and nothing else.
"""

from __future__ import annotations

import copy
from typing import Any

STACK = "prod-cn-south"
PREFIX = f"urn:pulumi:{STACK}::inference-fleet::"
STACK_URN = f"{PREFIX}pulumi:pulumi:Stack::inference-fleet-{STACK}"
PROVIDER_URN = f"{PREFIX}pulumi:providers:huaweicloud::huaweicloud-cn-south-1"
TAGS = {
    "team": "inference-platform",
    "cost-center": "cc-4410",
    "owner": "fleet-oncall@example.com",
    "env": "prod",
    "stack": STACK,
    "stack-version": "1.0.0",
    "managed-by": "inferfleet",
}
TUNED = "#cloud-config\nwrite_files:\n  - path: /etc/inferfleet/host-tuning\n    content: profile=high-bdp\n"
DIGEST = "swr.cn-south-1.myhuaweicloud.com/inference/autoglm@sha256:" + "3f" * 32


def resource(type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    urn = f"{PREFIX}{type_}::{name}"
    options = {
        "additional_secret_outputs": [],
        "delete_before_replace": False,
        "depends_on": [],
        "ignore_changes": [],
        "protect": extra.pop("protect", False),
        "replace_on_changes": [],
        "retain_on_delete": False,
    }
    custom = not type_.startswith("inferfleet:")
    document = {
        "urn": urn,
        "type": type_,
        "name": name,
        "parent": STACK_URN,
        "custom": custom,
        "provider": PROVIDER_URN if type_.startswith("huaweicloud:") else None,
        "inputs": inputs,
        "dependencies": extra.pop("dependencies", []),
        "options": options,
        "op": "create",
        "module": None,
    }
    document.update(extra)
    return document


def plan(resources: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    base = [
        resource("pulumi:pulumi:Stack", f"inference-fleet-{STACK}", {}),
        resource("pulumi:providers:huaweicloud", "huaweicloud-cn-south-1", {"region": "cn-south-1"}),
    ]
    base[0].update(urn=STACK_URN, parent=None, custom=False)
    base[1]["urn"] = PROVIDER_URN
    document = {
        "format": "inferfleet.plan/v1",
        "project": "inference-fleet",
        "stack": STACK,
        "stack_version": "1.0.0",
        "env": "prod",
        "cloud": "huaweicloud",
        "region": "cn-south-1",
        "modules": {},
        "resources": sorted([*base, *resources], key=lambda r: r["urn"]),
        "outputs": {},
    }
    document.update(top)
    return document


def vpc(**changes: Any) -> dict[str, Any]:
    inputs = {"cidr": "10.20.0.0/16", "name": "fleet", "tags": dict(TAGS)}
    protect = changes.pop("protect", True)
    inputs.update(changes)
    return resource("huaweicloud:Vpc/vpc:Vpc", "fleet-vpc", inputs, protect=protect)


def node_pool(**changes: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "clusterId": "(known after apply)",
        "flavorId": "physical.kat2ne.48xlarge.8.ei.pod101",
        "initialNodeCount": 2,
        "maxNodeCount": 4,
        "rootVolume": {"size": 100, "volumetype": "SSD", "kmsKeyId": "(known after apply)"},
        "dataVolumes": [{"size": 500, "volumetype": "SSD", "kmsKeyId": "(known after apply)"}],
        "postinstall": TUNED,
        "tags": dict(TAGS),
    }
    inputs.update(changes)
    return resource("huaweicloud:Cce/nodePool:NodePool", "ascend-node-pool", inputs)


def ecs(**changes: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "flavorId": "p3.2xlarge.8",
        "imageId": "img",
        "networks": [{"uuid": "(known after apply)"}],
        "systemDiskKmsKeyId": "(known after apply)",
        "dataDisks": [{"size": 500, "type": "SSD", "kmsKeyId": "(known after apply)"}],
        "userData": TUNED,
        "tags": dict(TAGS),
    }
    inputs.update(changes)
    return resource("huaweicloud:Ecs/instance:Instance", "gpu-0", inputs)


def rule(**changes: Any) -> dict[str, Any]:
    inputs = {
        "securityGroupId": "(known after apply)",
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "ports": "8000",
        "remoteIpPrefix": "10.20.0.0/16",
    }
    inputs.update(changes)
    return resource("huaweicloud:Vpc/secgroupRule:SecgroupRule", "sg-ingress-model", inputs)


def container(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "server",
        "image": DIGEST,
        "ports": [{"containerPort": 8000}],
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
        "resources": {
            "limits": {"cpu": "8", "memory": "64Gi", "huawei.com/Ascend910": 1},
            "requests": {"cpu": "8", "memory": "64Gi", "huawei.com/Ascend910": 1},
        },
        "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False},
    }
    body.update(changes)
    return body


def deployment(*, replicas: int = 2, containers: list[dict[str, Any]] | None = None, **meta: Any) -> dict[str, Any]:
    inputs = {
        "metadata": {"name": "autoglm", "namespace": "autoglm", **meta},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "autoglm"}},
            "template": {
                "metadata": {"labels": {"app": "autoglm", "track": "stable"}},
                "spec": {"containers": containers or [container()]},
            },
        },
    }
    return resource("kubernetes:apps/v1:Deployment", "autoglm-deployment", inputs)


def pdb(namespace: str = "autoglm") -> dict[str, Any]:
    inputs = {
        "metadata": {"name": "autoglm", "namespace": namespace},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "autoglm"}}},
    }
    return resource("kubernetes:policy/v1:PodDisruptionBudget", "autoglm-pdb", inputs)


def ingress(weight: str, old_weight: str | None = None) -> dict[str, Any]:
    def inputs(value: str) -> dict[str, Any]:
        annotations = {"inferfleet.io/canary-weight": value, "inferfleet.io/canary-stage": "1"}
        return {"metadata": {"name": "autoglm-canary", "namespace": "autoglm", "annotations": annotations}}

    extra = {"old_inputs": inputs(old_weight)} if old_weight is not None else {}
    return resource("kubernetes:networking.k8s.io/v1:Ingress", "autoglm-canary", inputs(weight), **extra)


def _vm_with_secrets(shown: str) -> list[dict[str, Any]]:
    """A VM whose user data holds a service secret (masked in the plan) under the pool that shows it."""
    pool = resource("inferfleet:gpu_instance:GpuPool", "ascend", {}, outputs={"user_data": shown})
    vm = ecs(userData="(sensitive value)")
    vm["parent"] = pool["urn"]
    return [pool, vm]


def _untagged() -> dict[str, Any]:
    bare = vpc()
    bare["inputs"]["tags"] = {k: v for k, v in TAGS.items() if k != "team"}
    return bare


def _eip_on_gpu() -> list[dict[str, Any]]:
    node = ecs()
    association = resource(
        "huaweicloud:Ecs/eipAssociate:EipAssociate",
        "gpu-0-eip",
        {"instanceId": "(known after apply)", "publicIp": "(known after apply)"},
        dependencies=[node["urn"]],
    )
    return [node, association]


def _node_group_in_public_subnet() -> list[dict[str, Any]]:
    subnet = resource("aws:ec2/subnet:Subnet", "public-a", {"mapPublicIpOnLaunch": True, "tags": dict(TAGS)})
    subnet["provider"] = None
    template = resource(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "gpu-template",
        {
            "instanceType": "g5.xlarge",
            "userData": TUNED,
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}],
            "tags": dict(TAGS),
        },
    )
    group = resource(
        "aws:eks/nodeGroup:NodeGroup",
        "gpu-nodes",
        {"instanceTypes": ["g5.xlarge"], "scalingConfig": {"desiredSize": 2, "maxSize": 2}, "tags": dict(TAGS)},
        dependencies=[subnet["urn"], template["urn"]],
    )
    return [subnet, template, group]


# policy folder -> case name -> (resources, plan overrides, rule ids a denied case raises). A denied
# case that raises only advisory rules still passes the gate (exit 0): it is reported, not enforced.
Case = tuple[list[dict[str, Any]], dict[str, Any], set[str]]
ALLOWED: dict[str, dict[str, Case]] = {
    "required_tags": {"all_tags": ([vpc(), node_pool()], {}, set())},
    "regions": {"mainland_region": ([vpc()], {}, set())},
    "accelerators": {"ascend_pool": ([node_pool()], {}, set())},
    "network_exposure": {"private_gpu_nodes": ([node_pool(), ecs()], {}, set())},
    "open_ingress": {"vpc_only_model_port": ([rule()], {}, set())},
    "disk_encryption": {"kms_keys": ([node_pool(), ecs()], {}, set())},
    "host_tuning": {"tuned_nodes": ([node_pool(), ecs()], {}, set())},
    "workloads": {
        "hardened_service": ([deployment(), pdb()], {}, set()),
        "vm_unit_pulls_digest": ([ecs(userData=f"{TUNED}runcmd:\n  - docker pull {DIGEST}\n")], {}, set()),
        "vm_secret_boot_script_shown_by_pool": (
            _vm_with_secrets(f"{TUNED}runcmd:\n  - docker pull {DIGEST}\n"),
            {},
            set(),
        ),
    },
    "availability": {"two_replicas_with_pdb": ([deployment(), pdb()], {}, set())},
    "canary": {"next_stage": ([ingress("20", old_weight="5")], {}, set())},
    "protection": {"protected_vpc": ([vpc()], {}, set())},
    "stack_version": {"released": ([], {"stack_version": "2.3.1"}, set())},
    "module_versions": {
        "released_modules": (
            [],
            {"modules": {"inferfleet-vpc": "0.1.0", "inferfleet-gpu-instance": "0.10.0"}},
            set(),
        ),
    },
    "stack_bump": {
        "major_for_replacement": (
            [],
            {"stack_version": "2.0.0", "base": {"stack_version": "1.4.2", "implied_bump": "major"}},
            set(),
        ),
    },
}
DENIED: dict[str, dict[str, Case]] = {
    "required_tags": {
        "missing_team": ([_untagged()], {}, {"IF-TAG-001"}),
        "wrong_env_tag": ([vpc(tags={**TAGS, "env": "staging"})], {}, {"IF-TAG-002"}),
        "no_owner_advisory": ([vpc(tags={k: v for k, v in TAGS.items() if k != "owner"})], {}, {"IF-TAG-003"}),
    },
    "regions": {
        "outside_mainland": ([vpc(region="ap-southeast-1")], {}, {"IF-REG-001", "IF-REG-002"}),
    },
    "accelerators": {
        "dev_flavor_in_prod": ([node_pool(flavorId="pi2.2xlarge.4")], {}, {"IF-ACC-001"}),
        "above_ceiling": ([node_pool(maxNodeCount=80)], {}, {"IF-ACC-002"}),
    },
    "network_exposure": {
        "eip_on_gpu_vm": ([ecs(eipType="5_bgp", bandwidth={"shareType": "PER", "size": 10})], {}, {"IF-NET-001"}),
        "eip_association": (_eip_on_gpu(), {}, {"IF-NET-002"}),
        "node_group_in_public_subnet": (_node_group_in_public_subnet(), {}, {"IF-NET-004"}),
    },
    "open_ingress": {
        "ssh_from_internet": ([rule(ports="22", remoteIpPrefix="0.0.0.0/0")], {}, {"IF-NET-003"}),
    },
    "disk_encryption": {
        "plain_data_disk": ([ecs(dataDisks=[{"size": 500, "type": "SSD"}])], {}, {"IF-DSK-001"}),
    },
    "host_tuning": {
        "untuned_pool": ([node_pool(postinstall="#!/bin/sh\necho hello\n")], {}, {"IF-HOST-001"}),
    },
    "workloads": {
        "tagged_image_as_root": (
            [
                deployment(
                    containers=[container(image="autoglm:latest", securityContext={"allowPrivilegeEscalation": False})]
                ),
                pdb(),
            ],
            {},
            {"IF-K8S-001", "IF-K8S-005", "IF-K8S-006"},
        ),
        "unbounded_unprobed": (
            [
                deployment(
                    containers=[
                        container(
                            readinessProbe=None,
                            resources={"limits": {"huawei.com/Ascend910": 2}, "requests": {"huawei.com/Ascend910": 1}},
                        )
                    ]
                ),
                pdb(),
            ],
            {},
            {"IF-K8S-002", "IF-K8S-003", "IF-K8S-004"},
        ),
        "vm_unit_pulls_tag": ([ecs(userData=f"{TUNED}runcmd:\n  - docker pull autoglm:2.1\n")], {}, {"IF-VM-001"}),
        "vm_masked_boot_script": ([ecs(userData="(sensitive value)")], {}, {"IF-VM-002", "IF-HOST-001"}),
        "vm_secret_boot_script_pulls_tag": (
            _vm_with_secrets(f"{TUNED}runcmd:\n  - docker pull autoglm:2.1\n"),
            {},
            {"IF-VM-001"},
        ),
    },
    "availability": {
        "single_replica_no_pdb": ([deployment(replicas=1), pdb(namespace="other")], {}, {"IF-K8S-007", "IF-K8S-008"}),
    },
    "canary": {
        "jump_to_full": ([ingress("100", old_weight="20")], {}, {"IF-CAN-001"}),
        "new_canary_at_half": ([ingress("50")], {}, {"IF-CAN-001"}),
        "bad_weight": ([ingress("lots", old_weight="5")], {}, {"IF-CAN-002"}),
    },
    "protection": {"unprotected_vpc": ([vpc(protect=False)], {}, {"IF-PROT-001"})},
    "module_versions": {
        "below_minimum": ([], {"modules": {"inferfleet-gpu-instance": "0.1.9"}}, {"IF-MOD-001"}),
        "unknown_version": ([], {"modules": {"inferfleet-vpc": "0+unknown"}}, {"IF-MOD-002"}),
        "deprecated_input": (
            [],
            {
                "modules": {"inferfleet-vpc": "0.1.0"},
                "deprecations": [
                    {"module": "inferfleet-vpc", "field": "VpcArgs.nat_gateway", "removed_in": "1.0.0", "use": ""}
                ],
            },
            {"IF-MOD-003"},
        ),
    },
    "stack_version": {
        "pre_release": ([], {"stack_version": "2.4.0-rc.1"}, {"IF-VER-001"}),
        "build_metadata": ([], {"stack_version": "2.4.0+build.7"}, {"IF-VER-001"}),
    },
    "stack_bump": {
        "replacement_with_minor": (
            [],
            {"stack_version": "1.5.0", "base": {"stack_version": "1.4.2", "implied_bump": "major"}},
            {"IF-VER-002"},
        ),
    },
}


# Ways to the internet, per cloud: each bypass of issue 10 is a fixture on every cloud where its
# resource exists. `on(cloud)` makes the plan that cloud's (the internal-Service annotations and
# the regions policy read it).
CLOUD_REGIONS = {
    "huaweicloud": "cn-south-1",
    "alicloud": "cn-shanghai",
    "tencentcloud": "ap-guangzhou",
    "aws": "cn-north-1",
}


def on(cloud: str) -> dict[str, Any]:
    return {"cloud": cloud, "region": CLOUD_REGIONS[cloud]}


def tagged(type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return resource(type_, name, {**inputs, "tags": dict(TAGS)}, **extra)


def huawei_rule(name: str, **inputs: Any) -> dict[str, Any]:
    return resource(
        "huaweicloud:Vpc/secgroupRule:SecgroupRule",
        name,
        {"securityGroupId": "(known after apply)", "direction": "ingress", "ethertype": "IPv4", **inputs},
    )


def alicloud_rule(name: str, **inputs: Any) -> dict[str, Any]:
    base = {"securityGroupId": "(known after apply)", "type": "ingress", "ipProtocol": "tcp", "policy": "accept"}
    return resource("alicloud:ecs/securityGroupRule:SecurityGroupRule", name, {**base, **inputs})


def tencent_rule_set(name: str, *ingresses: dict[str, Any]) -> dict[str, Any]:
    return resource(
        "tencentcloud:Security/groupRuleSet:GroupRuleSet",
        name,
        {"securityGroupId": "(known after apply)", "ingresses": [{"action": "ACCEPT", **i} for i in ingresses]},
    )


def aws_ingress(name: str, **inputs: Any) -> dict[str, Any]:
    base = {"securityGroupId": "(known after apply)", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22}
    return tagged("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, {**base, **inputs})


def k8s_service(kind: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata = {"name": "autoglm-public", "namespace": "autoglm", "annotations": annotations or {}}
    spec = {"type": kind, "selector": {"app": "autoglm"}, "ports": [{"port": 80, "targetPort": 8000}]}
    return resource("kubernetes:core/v1:Service", f"autoglm-{kind.lower()}", {"metadata": metadata, "spec": spec})


INTERNAL_SERVICE = {
    "huaweicloud": {"kubernetes.io/elb.class": "performance", "kubernetes.io/elb.autocreate": '{"type":"inner"}'},
    "alicloud": {"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet"},
    "tencentcloud": {"service.kubernetes.io/qcloud-loadbalancer-internal-subnetid": "subnet-0a1b2c3d"},
    "aws": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
}


def _exposure(cloud: str, *, public: bool) -> list[dict[str, Any]]:
    """A load balancer, a Kubernetes API endpoint, a LoadBalancer Service and a database of one cloud,
    all public (each raising its rule) or all private."""
    service = k8s_service("LoadBalancer", None if public else INTERNAL_SERVICE[cloud])
    if cloud == "huaweicloud":
        elb = {"ipv4SubnetId": "(known after apply)", "vpcId": "(known after apply)"}
        rds = tagged("huaweicloud:Rds/instance:Instance", "orders-db", {"flavor": "rds.mysql.x1"}, protect=True)
        cluster = {"clusterType": "VirtualMachine", "flavorId": "cce.s2.small", "vpcId": "v", "subnetId": "s"}
        found = [
            tagged(
                "huaweicloud:DedicatedElb/loadbalancer:Loadbalancer",
                "edge",
                elb | ({"iptype": "5_bgp"} if public else {}),
            ),
            tagged("huaweicloud:Cce/cluster:Cluster", "cluster", cluster | ({"eip": "203.0.113.10"} if public else {})),
            rds,
        ]
        if public:
            found.append(
                resource(
                    "huaweicloud:Vpc/eipAssociate:EipAssociate",
                    "orders-db-eip",
                    {"publicIp": "(known after apply)"},
                    dependencies=[rds["urn"]],
                )
            )
        return [*found, service]
    if cloud == "alicloud":
        found = [
            tagged(
                "alicloud:slb/loadBalancer:LoadBalancer",
                "edge",
                {"loadBalancerName": "edge"} | ({} if public else {"addressType": "intranet"}),
            ),
            tagged(
                "alicloud:cs/managedKubernetes:ManagedKubernetes",
                "cluster",
                {"name": "c", "slbInternetEnabled": public},
            ),
            tagged(
                "alicloud:rds/instance:Instance",
                "orders-db",
                {"engine": "MySQL", "instanceType": "rds.mysql.s2.large"},
                protect=True,
            ),
        ]
        if public:
            found.append(
                resource(
                    "alicloud:rds/connection:Connection",
                    "orders-db-public",
                    {"instanceId": "(known after apply)", "connectionPrefix": "orders"},
                )
            )
        return [*found, service]
    if cloud == "tencentcloud":
        return [
            tagged(
                "tencentcloud:Clb/instance:Instance",
                "edge",
                {"clbName": "edge", "networkType": "OPEN" if public else "INTERNAL"},
            ),
            tagged(
                "tencentcloud:Kubernetes/cluster:Cluster", "cluster", {"clusterName": "c", "clusterInternet": public}
            ),
            tagged(
                "tencentcloud:Mysql/instance:Instance",
                "orders-db",
                {"instanceName": "orders", "internetService": 1 if public else 0},
                protect=True,
            ),
            service,
        ]
    vpc_config = {"subnetIds": ["(known after apply)"]} | ({} if public else {"endpointPublicAccess": False})
    return [
        tagged(
            "aws:lb/loadBalancer:LoadBalancer",
            "edge",
            {"loadBalancerType": "application"} | ({} if public else {"internal": True}),
        ),
        tagged(
            "aws:eks/cluster:Cluster",
            "cluster",
            {"name": "c", "roleArn": "(known after apply)", "vpcConfig": vpc_config},
        ),
        tagged(
            "aws:rds/instance:Instance",
            "orders-db",
            {"instanceClass": "db.r6g.large", "publiclyAccessible": public, "storageEncrypted": True},
            protect=True,
        ),
        service,
    ]


_EXPOSED = {"IF-NET-006", "IF-NET-007", "IF-NET-008"}
for _cloud in CLOUD_REGIONS:
    ALLOWED["network_exposure"][f"private_endpoints_{_cloud}"] = (_exposure(_cloud, public=False), on(_cloud), set())
    DENIED["network_exposure"][f"public_endpoints_{_cloud}"] = (
        _exposure(_cloud, public=True),
        on(_cloud),
        _EXPOSED | ({"IF-NET-002"} if _cloud == "huaweicloud" else {"IF-NET-001"}),
    )
DENIED["network_exposure"]["node_port_service"] = ([k8s_service("NodePort")], on("aws"), {"IF-NET-008"})

# World-open ingress in every spelling, on every cloud's rule types; sources the plan cannot read fail closed.
ALLOWED["open_ingress"].update(
    {
        "alicloud_https_from_internet": (
            [alicloud_rule("https", cidrIp="0.0.0.0/0", portRange="443/443")],
            on("alicloud"),
            set(),
        ),
        "tencent_peer_cidr_model_port": (
            [tencent_rule_set("peers", {"cidrBlock": "10.21.0.0/16", "protocol": "TCP", "port": "8000"})],
            on("tencentcloud"),
            set(),
        ),
        "aws_half_the_internet_on_ssh": ([aws_ingress("ssh-low", cidrIpv4="0.0.0.0/1")], on("aws"), set()),
    }
)
DENIED["open_ingress"].update(
    {
        "huawei_halves_cover_ipv4": (
            [
                huawei_rule("ssh-low", protocol="tcp", ports="22", remoteIpPrefix="0.0.0.0/1"),
                huawei_rule("ssh-high", protocol="tcp", ports="22", remoteIpPrefix="128.0.0.0/1"),
            ],
            {},
            {"IF-NET-003"},
        ),
        "huawei_no_source_any_protocol": ([huawei_rule("everything")], {}, {"IF-NET-003"}),
        "alicloud_rdp_from_0_0_0_0_00": (
            [alicloud_rule("rdp", cidrIp="0.0.0.0/00", portRange="3389/3389")],
            on("alicloud"),
            {"IF-NET-003"},
        ),
        "alicloud_source_known_after_apply": (
            [alicloud_rule("ssh", cidrIp="(known after apply)", portRange="22/22")],
            on("alicloud"),
            {"IF-NET-005"},
        ),
        "tencent_kubelet_from_0_colons_0": (
            [tencent_rule_set("kubelet", {"ipv6CidrBlock": "0::/0", "protocol": "TCP", "port": "10250"})],
            on("tencentcloud"),
            {"IF-NET-003"},
        ),
        "tencent_lite_rule_api_from_1_2_3_4_0": (
            [
                resource(
                    "tencentcloud:Security/groupLiteRule:GroupLiteRule",
                    "api",
                    {"securityGroupId": "(known after apply)", "ingresses": ["ACCEPT#1.2.3.4/0#6443#TCP"]},
                )
            ],
            on("tencentcloud"),
            {"IF-NET-003"},
        ),
        "aws_all_protocols_from_1_2_3_4_0": (
            [
                resource(
                    "aws:ec2/securityGroupRule:SecurityGroupRule",
                    "all",
                    {
                        "type": "ingress",
                        "protocol": "-1",
                        "fromPort": 0,
                        "toPort": 0,
                        "cidrBlocks": ["1.2.3.4/0"],
                        "securityGroupId": "(known after apply)",
                    },
                )
            ],
            on("aws"),
            {"IF-NET-003"},
        ),
        "aws_etcd_range_from_ipv6": (
            [aws_ingress("etcd", fromPort=2379, toPort=2380, cidrIpv6="::/0")],
            on("aws"),
            {"IF-NET-003"},
        ),
        "aws_inline_secret_source": (
            [
                tagged(
                    "aws:ec2/securityGroup:SecurityGroup",
                    "db",
                    {
                        "ingress": [
                            {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["(sensitive value)"]}
                        ]
                    },
                )
            ],
            on("aws"),
            {"IF-NET-005"},
        ),
    }
)


# Pod privilege in every workload kind (the pod spec sits at a different path in each).
_POD_SPEC_AT = {
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "kubernetes:core/v1:Pod": ["spec"],
}


def workload(type_: str, **pod: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"securityContext": {"runAsNonRoot": True}, "containers": [container()], **pod}
    for key in reversed(_POD_SPEC_AT[type_]):
        spec = {key: spec}
    kind = type_.rsplit(":", 1)[-1]
    inputs = {"metadata": {"name": "autoglm", "namespace": "autoglm"}, **spec}
    if kind == "StatefulSet":
        inputs["spec"] |= {"replicas": 2, "serviceName": "autoglm", "selector": {"matchLabels": {"app": "autoglm"}}}
        inputs["spec"]["template"]["metadata"] = {"labels": {"app": "autoglm"}}
    return resource(type_, f"autoglm-{kind.lower()}", inputs)


def namespace(level: str | None) -> dict[str, Any]:
    labels = {"pod-security.kubernetes.io/enforce": level} if level else {}
    return resource(
        "kubernetes:core/v1:Namespace", "autoglm-namespace", {"metadata": {"name": "autoglm", "labels": labels}}
    )


_ESCALATING = {"runAsNonRoot": True, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": True}
ALLOWED["workloads"]["restricted_namespace_and_every_kind"] = (
    [namespace("restricted"), pdb(), *(workload(kind) for kind in _POD_SPEC_AT)],
    {},
    set(),
)
DENIED["workloads"].update(
    {
        "privileged_daemonset_on_host_root": (
            [
                workload(
                    "kubernetes:apps/v1:DaemonSet",
                    hostNetwork=True,
                    hostPID=True,
                    hostIPC=True,
                    volumes=[{"name": "host", "hostPath": {"path": "/"}}],
                    containers=[
                        container(
                            securityContext={**_ESCALATING, "privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}}
                        )
                    ],
                )
            ],
            {},
            {"IF-K8S-009", "IF-K8S-010", "IF-K8S-011", "IF-K8S-012", "IF-K8S-013"},
        ),
        "cronjob_mounts_docker_socket": (
            [
                workload(
                    "kubernetes:batch/v1:CronJob",
                    volumes=[{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}],
                )
            ],
            {},
            {"IF-K8S-011"},
        ),
        "job_privileged_init_container": (
            [
                workload(
                    "kubernetes:batch/v1:Job",
                    initContainers=[
                        container(
                            name="setup",
                            securityContext={**_ESCALATING, "allowPrivilegeEscalation": False, "privileged": True},
                        )
                    ],
                )
            ],
            {},
            {"IF-K8S-009"},
        ),
        "pod_ephemeral_container_escalates": (
            [
                workload(
                    "kubernetes:core/v1:Pod",
                    ephemeralContainers=[
                        {
                            "name": "debug",
                            "image": DIGEST,
                            "securityContext": {**_ESCALATING, "capabilities": {"add": ["NET_ADMIN"]}},
                        }
                    ],
                )
            ],
            {},
            {"IF-K8S-012", "IF-K8S-013"},
        ),
        "statefulset_on_host_network": (
            [workload("kubernetes:apps/v1:StatefulSet", hostNetwork=True), pdb()],
            {},
            {"IF-K8S-010"},
        ),
        "namespace_not_restricted": ([namespace("baseline")], {}, {"IF-K8S-014"}),
    }
)


# A canary that declares its stages (as the inference_service module renders it) moves one stage at a time.
def staged_canary(weight: int, old_weight: int | None, stages: str = "5,20,100") -> dict[str, Any]:
    def inputs(value: int) -> dict[str, Any]:
        declared = stages.split(",")
        index = declared.index(str(value)) if str(value) in declared else 0
        annotations = {
            "inferfleet.io/canary-weight": str(value),
            "inferfleet.io/canary-stage": str(index),
            "inferfleet.io/canary-stages": stages,
        }
        return {"metadata": {"name": "autoglm-canary", "namespace": "autoglm", "annotations": annotations}}

    extra = {"old_inputs": inputs(old_weight)} if old_weight is not None else {}
    return resource("kubernetes:networking.k8s.io/v1:Ingress", "autoglm-canary", inputs(weight), **extra)


ALLOWED["canary"].update(
    {
        "first_declared_stage": ([staged_canary(5, None)], {}, set()),
        "declared_stage_20_to_100": ([staged_canary(100, 20)], {}, set()),
    }
)
DENIED["canary"].update(
    {
        "declared_stage_skipped_5_to_100": ([staged_canary(100, 5)], {}, {"IF-CAN-001"}),
        "stages_not_ending_at_100": ([staged_canary(5, None, stages="5,20,50")], {}, {"IF-CAN-003"}),
    }
)


# Public IPs on GPU nodes on the clouds not covered above (Huawei: EIP cases; AWS: public subnet).
DENIED["network_exposure"].update(
    {
        "alicloud_gpu_node_pool_bandwidth": (
            [
                tagged(
                    "alicloud:cs/nodePool:NodePool",
                    "gpu-pool",
                    {
                        "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"],
                        "desiredSize": 2,
                        "internetMaxBandwidthOut": 10,
                        "userData": TUNED,
                        "systemDiskEncrypted": True,
                    },
                )
            ],
            on("alicloud"),
            {"IF-NET-001"},
        ),
        "tencent_gpu_node_pool_public_ip": (
            [
                tagged(
                    "tencentcloud:Kubernetes/nodePool:NodePool",
                    "gpu-pool",
                    {
                        "autoScalingConfig": {"instanceType": "PNV4.7XLARGE116", "publicIpAssigned": True},
                        "desiredCapacity": 2,
                        "maxSize": 2,
                        "nodeConfig": {"userData": TUNED},
                    },
                )
            ],
            on("tencentcloud"),
            {"IF-NET-001"},
        ),
    }
)


# Kubernetes objects read the same on every cloud's clusters: the pod-privilege and canary bypasses
# are also fixtures of plans of the other three clouds.
for _cloud in ("alicloud", "tencentcloud", "aws"):
    _privileged = DENIED["workloads"]["privileged_daemonset_on_host_root"]
    DENIED["workloads"][f"privileged_daemonset_on_host_root_{_cloud}"] = (_privileged[0], on(_cloud), _privileged[2])
    DENIED["workloads"][f"namespace_not_restricted_{_cloud}"] = ([namespace("privileged")], on(_cloud), {"IF-K8S-014"})
    DENIED["canary"][f"declared_stage_skipped_5_to_100_{_cloud}"] = (
        [staged_canary(100, 5)],
        on(_cloud),
        {"IF-CAN-001"},
    )
    ALLOWED["canary"][f"declared_stage_20_to_100_{_cloud}"] = ([staged_canary(100, 20)], on(_cloud), set())


def fixtures() -> dict[str, tuple[dict[str, Any], set[str]]]:
    """Fixture path (relative to policies/opa) -> (plan document, the rule ids the gate must raise)."""
    documents: dict[str, tuple[dict[str, Any], set[str]]] = {}
    for verdict, table in (("allowed", ALLOWED), ("denied", DENIED)):
        for policy, cases in table.items():
            for name, (resources, top, expected) in cases.items():
                documents[f"{policy}/{verdict}_{name}.json"] = (plan(copy.deepcopy(resources), **top), expected)
    return documents
