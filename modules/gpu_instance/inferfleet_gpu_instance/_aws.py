"""AWS: EC2 instances, an ASG on a launch template, or an EKS managed node group; EBS encrypted, IMDSv2."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from inferfleet_gpu_instance._cloud import Placed, PoolContext, kubeconfig_yaml, taint_effect
from inferfleet_gpu_instance.args import zones_for

VOLUME_TYPE = "gp3"
EKS_ROOT_DEVICE = "/dev/xvda"
"""Root device of the EKS-optimized AL2023 AMIs the node group's ami_type selects."""
DATA_DEVICE = "/dev/sdf"
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
IMDS_HOP_LIMIT = 2
"""IMDSv2 only; two hops so containers on the node reach the metadata service."""


class AwsCompute:
    def standalone(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        placed = Placed()
        for index, zone in enumerate(zones_for(args.count, ctx.zones)):
            instance = aws.ec2.Instance(
                f"{ctx.name}-node-{index}",
                ami=ctx.image,
                instance_type=ctx.offering.flavor,
                subnet_id=ctx.subnet(zone),
                vpc_security_group_ids=[args.security_group_id],
                associate_public_ip_address=False,
                user_data=ctx.user_data.value,
                user_data_replace_on_change=True,
                metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                    http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=IMDS_HOP_LIMIT
                ),
                root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                    volume_size=args.system_disk_gb, volume_type=VOLUME_TYPE, encrypted=True, kms_key_id=args.kms_key_id
                ),
                ebs_block_devices=[
                    aws.ec2.InstanceEbsBlockDeviceArgs(
                        device_name=DATA_DEVICE,
                        volume_size=args.data_disk_gb,
                        volume_type=VOLUME_TYPE,
                        encrypted=True,
                        kms_key_id=args.kms_key_id,
                    )
                ]
                if args.data_disk_gb
                else None,
                key_name=args.key_pair,
                tags={**ctx.tags, "Name": f"{ctx.cloud_name}-{index}"},
                opts=ctx.opts(stateful=True),
            )
            placed.instance_ids.append(instance.id)
            placed.private_ips.append(instance.private_ip)
        return placed

    def scaling_group(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        template = _launch_template(
            ctx,
            image_id=ctx.image,
            instance_type=ctx.offering.flavor,
            root_device=ctx.vm_root_device or EKS_ROOT_DEVICE,
        )
        low, high = args.size_range
        group = aws.autoscaling.Group(
            f"{ctx.name}-group",
            name=ctx.cloud_name,
            min_size=low,
            max_size=high,
            desired_capacity=args.count,
            vpc_zone_identifiers=ctx.subnet_list,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            tags=[
                aws.autoscaling.GroupTagArgs(key=key, value=value, propagate_at_launch=True)
                for key, value in {**ctx.tags, "Name": ctx.cloud_name}.items()
            ],
            opts=ctx.opts(),
        )
        return Placed(group_id=group.id)

    def kubernetes(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        cluster_spec = args.cluster
        assert cluster_spec is not None  # validated by the component
        cluster_name: pulumi.Input[str]
        kubeconfig: pulumi.Input[str] | None = cluster_spec.kubeconfig
        if cluster_spec.create:
            role, attachments = _role(ctx, "cluster", "eks.amazonaws.com", CLUSTER_POLICIES)
            cluster = aws.eks.Cluster(
                f"{ctx.name}-cluster",
                name=ctx.cloud_name,
                role_arn=role.arn,
                version=cluster_spec.version,
                vpc_config=aws.eks.ClusterVpcConfigArgs(
                    subnet_ids=ctx.subnet_list,
                    security_group_ids=[args.security_group_id],
                    endpoint_private_access=True,
                    endpoint_public_access=False,
                ),
                kubernetes_network_config=aws.eks.ClusterKubernetesNetworkConfigArgs(
                    service_ipv4_cidr=cluster_spec.service_cidr
                ),
                access_config=aws.eks.ClusterAccessConfigArgs(authentication_mode="API"),
                tags=ctx.tags,
                opts=pulumi.ResourceOptions.merge(
                    ctx.opts(stateful=True), pulumi.ResourceOptions(depends_on=attachments)
                ),
            )
            cluster_name = cluster.name
            kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority).apply(
                lambda values: _kubeconfig(values[0], values[1], values[2])
            )
            cluster_id: pulumi.Input[str] = cluster.id
        else:
            cluster_name = str(cluster_spec.id)
            cluster_id = cluster_name
        node_role, node_attachments = _role(ctx, "node", "ec2.amazonaws.com", NODE_POLICIES)
        # EKS merges a MIME multipart launch-template user data with its own bootstrap; image and
        # instance type stay on the node group (ami_type), so the template carries neither.
        template = _launch_template(ctx, image_id=None, instance_type=None, root_device=EKS_ROOT_DEVICE)
        low, high = args.size_range
        node_group = aws.eks.NodeGroup(
            f"{ctx.name}-node-group",
            cluster_name=cluster_name,
            node_group_name=ctx.cloud_name,
            node_role_arn=node_role.arn,
            subnet_ids=ctx.subnet_list,
            instance_types=[ctx.offering.flavor],
            ami_type=ctx.image,
            capacity_type="ON_DEMAND",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=args.count, min_size=low, max_size=high),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            labels=ctx.node_labels,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t["key"], value=t["value"], effect=taint_effect("aws", t["effect"]))
                for t in ctx.node_taints
            ],
            tags=ctx.tags,
            opts=pulumi.ResourceOptions.merge(ctx.opts(), pulumi.ResourceOptions(depends_on=node_attachments)),
        )
        return Placed(node_pool_id=node_group.id, cluster_id=cluster_id, kubeconfig=kubeconfig)


def _launch_template(
    ctx: PoolContext, *, image_id: str | None, instance_type: str | None, root_device: str
) -> aws.ec2.LaunchTemplate:
    args = ctx.args
    devices = [(root_device, args.system_disk_gb)] + ([(DATA_DEVICE, args.data_disk_gb)] if args.data_disk_gb else [])
    return aws.ec2.LaunchTemplate(
        f"{ctx.name}-launch-template",
        name=ctx.cloud_name,
        image_id=image_id,
        instance_type=instance_type,
        user_data=ctx.user_data.value,
        update_default_version=True,
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0, associate_public_ip_address="false", security_groups=[args.security_group_id]
            )
        ],
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=device,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=size,
                    volume_type=VOLUME_TYPE,
                    encrypted="true",
                    kms_key_id=args.kms_key_id,
                    delete_on_termination="true",
                ),
            )
            for device, size in devices
        ],
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=IMDS_HOP_LIMIT
        ),
        key_name=args.key_pair,
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags={**ctx.tags, "Name": ctx.cloud_name})
            for kind in ("instance", "volume")
        ],
        tags=ctx.tags,
        opts=ctx.opts(),
    )


def _role(
    ctx: PoolContext, role: str, service: str, policies: tuple[str, ...]
) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
    iam_role = aws.iam.Role(
        f"{ctx.name}-{role}-role",
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
            }
        ),
        tags=ctx.tags,
        opts=ctx.opts(),
    )
    attachments: list[pulumi.Resource] = [
        aws.iam.RolePolicyAttachment(
            f"{ctx.name}-{role}-role-{policy}",
            role=iam_role.name,
            policy_arn=f"arn:{_partition(ctx.args.region)}:iam::aws:policy/{policy}",
            opts=ctx.opts(),
        )
        for policy in policies
    ]
    return iam_role, attachments


def _partition(region: str) -> str:
    """China regions live in their own partition."""
    return "aws-cn" if region.startswith("cn-") else "aws"


def _kubeconfig(name: str, endpoint: str, certificate_authority: object) -> str:
    ca_data = getattr(certificate_authority, "data", None) or ""
    return kubeconfig_yaml(
        name=name,
        server=endpoint,
        ca_data=ca_data,
        user={
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", name],
            }
        },
    )


COMPUTE = AwsCompute()
