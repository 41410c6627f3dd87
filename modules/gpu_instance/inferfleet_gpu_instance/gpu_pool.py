"""The GpuPool component: GPU/NPU nodes of one accelerator model, in one placement, with host tuning."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from inferfleet_components import doc, register_declared, warn_deprecated

from inferfleet_gpu_instance._cloud import PoolContext, cloud_compute
from inferfleet_gpu_instance.args import (
    GpuPoolArgs,
    resolve_catalog,
    validate_cluster,
    validate_disks,
    validate_extra_cloud_config,
    validate_network,
    validate_offering,
    validate_sizes,
)
from inferfleet_gpu_instance.userdata import build_user_data

LABEL_PREFIX = "inferfleet.io"


@dataclass(init=False, eq=False, repr=False)
class GpuPoolOutputs:
    """The outputs of a `GpuPool`, declared once: its attributes, its registered outputs, README and API."""

    accelerator: str = field(metadata=doc("Accelerator model from the catalog, e.g. ascend-910b."))
    accelerator_family: str = field(metadata=doc("nvidia or ascend."))
    accelerators_per_node: int = field(metadata=doc("Accelerators on each node."))
    device_plugin_resource: str = field(
        metadata=doc("Kubernetes extended resource of the accelerator, e.g. nvidia.com/gpu.")
    )
    flavor: str = field(metadata=doc("Instance type/flavor of the nodes."))
    placement: str = field(metadata=doc("standalone, scaling_group or kubernetes."))
    nodes: int = field(metadata=doc("Instances (standalone) or desired size of the group/pool."))
    max_nodes: int = field(metadata=doc("Most nodes the pool can scale to."))
    max_accelerators: int = field(metadata=doc("max_nodes x accelerators_per_node: the pool's accelerator ceiling."))
    catalog_confirmed: bool = field(
        metadata=doc("Whether the catalog row (flavor -> accelerator x count) is confirmed in vendor docs.")
    )
    price_per_hour: float = field(metadata=doc("Catalog list price of one node-hour."))
    currency: str = field(metadata=doc("Currency of price_per_hour."))
    instance_ids: list[pulumi.Output[str]] = field(
        metadata=doc("Ids of standalone instances (empty for groups and node pools).")
    )
    private_ips: list[pulumi.Output[str]] = field(
        metadata=doc("Private IPs of standalone instances (empty for groups and node pools).")
    )
    group_id: pulumi.Output[str] | None = field(metadata=doc("Id of the scaling group (None otherwise)."))
    node_pool_id: pulumi.Output[str] | None = field(metadata=doc("Id of the Kubernetes node pool (None otherwise)."))
    cluster_id: pulumi.Output[str | None] = field(
        metadata=doc("Id of the cluster the node pool joins (None otherwise).")
    )
    kubeconfig: pulumi.Output[str | None] = field(
        metadata=doc("Kubeconfig of the cluster (secret; None unless known).")
    )
    node_labels: dict[str, str] = field(metadata=doc("Labels on the node pool's nodes."))
    node_taints: list[dict[str, str]] = field(
        metadata=doc("Taints on the node pool's nodes ({key, value, effect} with Kubernetes effects).")
    )
    tuning_profile: str = field(metadata=doc("Host tuning profile applied by the user data."))
    tuning_hash: str = field(metadata=doc("Hash of the tuning values, as recorded in the marker file on the host."))
    user_data: str = field(
        metadata=doc(
            "The user data as the host sees it (decoded cloud-config, script or MIME), secret values shown as "
            "`(sensitive value)`: what reviews and policies read when the user data itself is a secret."
        )
    )


class GpuPool(pulumi.ComponentResource, GpuPoolOutputs):
    """`inferfleet:gpu_instance:GpuPool`: standalone instances, a scaling group or a managed node pool."""

    def __init__(
        self,
        name: str,
        args: GpuPoolArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Everything is validated before the component registers, so bad input creates nothing.
        catalog = resolve_catalog(args.catalog)
        warn_deprecated(args, "inferfleet-gpu-instance")
        offering = validate_offering(
            catalog,
            cloud=args.cloud,
            region=args.region,
            accelerator=args.accelerator,
            flavor=args.flavor,
            placement=args.placement,
        )
        validate_sizes(args.count, args.min_count, args.max_count)
        zones = validate_network(args.subnet_ids)
        validate_disks(args.cloud, args.placement, args.system_disk_gb, args.data_disk_gb)
        validate_cluster(args.placement, args.cluster)
        validate_extra_cloud_config(args.placement, args.extra_cloud_config)
        user_data = build_user_data(args.cloud, args.placement, args.tuning, offering.family, args.extra_cloud_config)
        images = catalog.image(args.cloud, offering.family)
        image = args.image or (images.node_os if args.placement == "kubernetes" else images.vm)
        if not image:
            raise ValueError(f"image: the catalog has no {offering.family} image for {args.cloud}; set `image`")

        super().__init__("inferfleet:gpu_instance:GpuPool", name, None, opts)
        provider = opts.provider if opts else None
        self.accelerator = offering.accelerator
        self.accelerator_family = offering.family
        self.accelerators_per_node = offering.accelerators_per_node
        self.device_plugin_resource = offering.device_plugin_resource
        self.flavor = offering.flavor
        self.placement = args.placement
        self.user_data = user_data.text
        self.node_labels = {
            f"{LABEL_PREFIX}/pool": name,
            f"{LABEL_PREFIX}/accelerator": offering.accelerator,
            f"{LABEL_PREFIX}/accelerator-family": offering.family,
        }
        self.node_taints = (
            [{"key": offering.device_plugin_resource, "value": "present", "effect": "NoSchedule"}]
            if args.placement == "kubernetes" and args.taint_nodes
            else []
        )
        context = PoolContext(
            name=name,
            cloud_name=f"{args.name_prefix}-{name}" if args.name_prefix else name,
            args=args,
            offering=offering,
            image=image,
            vm_root_device=images.vm_root_device,
            zones=zones,
            user_data=user_data,
            node_labels=self.node_labels,
            node_taints=self.node_taints,
            parent=self,
            provider=provider,
        )
        compute = cloud_compute(args.cloud)
        build = {
            "standalone": compute.standalone,
            "scaling_group": compute.scaling_group,
            "kubernetes": compute.kubernetes,
        }[args.placement]
        placed = build(context)
        self.instance_ids = placed.instance_ids
        self.private_ips = placed.private_ips
        self.group_id = placed.group_id
        self.node_pool_id = placed.node_pool_id
        self.cluster_id = pulumi.Output.from_input(placed.cluster_id)
        self.kubeconfig = pulumi.Output.secret(placed.kubeconfig)
        # Standalone instances never scale: the pool is exactly `count` nodes.
        max_nodes = args.count if args.placement == "standalone" else args.size_range[1]
        self.nodes = args.count
        self.max_nodes = max_nodes
        self.max_accelerators = max_nodes * offering.accelerators_per_node
        self.catalog_confirmed = offering.confirmed
        self.price_per_hour = offering.price_per_hour
        self.currency = offering.currency
        self.tuning_profile = args.tuning.profile
        self.tuning_hash = args.tuning.digest()
        register_declared(self)
