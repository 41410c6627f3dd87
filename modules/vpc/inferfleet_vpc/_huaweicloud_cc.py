"""Cloud Connect bandwidth on Huawei Cloud, which pulumi_huaweicloud 0.0.12 does not offer.

Without a bandwidth package and an inter-region bandwidth, only 10 kbit/s of test bandwidth flows
between the regions of a cloud connection. These dynamic resources fill the gap with Huawei's
official SDK (huaweicloudsdkcc). The `*_request` functions build the SDK requests and are pure,
so they are tested offline; credentials are read from the environment at apply time and never
appear among the resource's inputs (nor in a plan).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

CC_ENDPOINT_REGION = "cn-north-4"
"""Cloud Connect is a global service whose API lives in cn-north-4."""

BILLING_MODES: dict[str, int] = {"prepaid": 1, "postpaid": 3}
"""`billing_mode` of a China-site bandwidth package: 1 yearly/monthly, 3 pay-per-use."""

AREAS: dict[str, str] = {
    "cn-": "Chinese-Mainland",
    "ap-": "Asia-Pacific",
    "af-": "Africa",
    "la-": "Western-Latin-America",
    "sa-": "Eastern-Latin-America",
}
"""Cloud Connect area of a region, by region-code prefix."""

CREDENTIAL_VARIABLES = ("HW_ACCESS_KEY", "HW_SECRET_KEY")


def area_of(region: str) -> str:
    for prefix, area in AREAS.items():
        if region.startswith(prefix):
            return area
    raise ValueError(f"region: {region!r} is in no Cloud Connect area known here ({', '.join(AREAS.values())})")


def create_bandwidth_package_request(props: Mapping[str, Any]) -> Any:
    from huaweicloudsdkcc.v3 import model

    package = model.CreateBandwidthPackage(
        name=props["name"],
        project_id=props["project_id"],
        local_area_id=props["local_area_id"],
        remote_area_id=props["remote_area_id"],
        charge_mode="bandwidth",
        billing_mode=props["billing_mode"],
        bandwidth=props["bandwidth"],
        resource_id=props["resource_id"],
        resource_type="cloud_connection",
    )
    return model.CreateBandwidthPackageRequest(body=model.CreateBandwidthPackageRequestBody(bandwidth_package=package))


def update_bandwidth_package_request(package_id: str, props: Mapping[str, Any]) -> Any:
    from huaweicloudsdkcc.v3 import model

    package = model.UpdateBandwidthPackage(name=props["name"], bandwidth=props["bandwidth"])
    return model.UpdateBandwidthPackageRequest(
        id=package_id, body=model.UpdateBandwidthPackageRequestBody(bandwidth_package=package)
    )


def create_inter_region_bandwidth_request(props: Mapping[str, Any]) -> Any:
    from huaweicloudsdkcc.v3 import model

    bandwidth = model.CreateInterRegionBandwidth(
        cloud_connection_id=props["cloud_connection_id"],
        bandwidth_package_id=props["bandwidth_package_id"],
        bandwidth=props["bandwidth"],
        inter_region_ids=list(props["inter_region_ids"]),
    )
    return model.CreateInterRegionBandwidthRequest(
        body=model.CreateInterRegionBandwidthRequestBody(inter_region_bandwidth=bandwidth)
    )


def update_inter_region_bandwidth_request(bandwidth_id: str, props: Mapping[str, Any]) -> Any:
    from huaweicloudsdkcc.v3 import model

    return model.UpdateInterRegionBandwidthRequest(
        id=bandwidth_id,
        body=model.UpdateInterRegionBandwidthRequestBody(
            inter_region_bandwidth=model.UpdateInterRegionBandwidth(bandwidth=props["bandwidth"])
        ),
    )


def _client() -> Any:
    """A Cloud Connect client with the credentials of the environment (as the huaweicloud provider reads them)."""
    from huaweicloudsdkcc.v3 import CcClient
    from huaweicloudsdkcc.v3.region.cc_region import CcRegion
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials

    missing = [name for name in CREDENTIAL_VARIABLES if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"Cloud Connect bandwidth needs credentials in the environment: set {', '.join(missing)}")
    # Without HW_DOMAIN_ID the SDK looks the account's domain up through IAM when the client is built.
    credentials = GlobalCredentials(
        os.environ["HW_ACCESS_KEY"], os.environ["HW_SECRET_KEY"], os.environ.get("HW_DOMAIN_ID")
    )
    if os.environ.get("HW_SECURITY_TOKEN"):
        credentials = credentials.with_security_token(os.environ["HW_SECURITY_TOKEN"])
    return (
        CcClient.new_builder().with_credentials(credentials).with_region(CcRegion.value_of(CC_ENDPOINT_REGION)).build()
    )


def _replace_on(olds: Mapping[str, Any], news: Mapping[str, Any], immutable: tuple[str, ...]) -> DiffResult:
    changed = [key for key in news if key != "__provider" and olds.get(key) != news.get(key)]
    replaces = [key for key in changed if key in immutable]
    return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))


class BandwidthPackageProvider(ResourceProvider):
    """CRUD of a Cloud Connect bandwidth package bound to a cloud connection."""

    IMMUTABLE = ("project_id", "local_area_id", "remote_area_id", "billing_mode", "resource_id")

    def create(self, props: dict[str, Any]) -> CreateResult:

        response = _client().create_bandwidth_package(create_bandwidth_package_request(props))
        return CreateResult(id_=response.bandwidth_package.id, outs=dict(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from huaweicloudsdkcc.v3 import model

        package = _client().show_bandwidth_package(model.ShowBandwidthPackageRequest(id=id_)).bandwidth_package
        return ReadResult(id_=id_, outs={**props, "name": package.name, "bandwidth": package.bandwidth})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, self.IMMUTABLE)

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _client().update_bandwidth_package(update_bandwidth_package_request(id_, news))
        return UpdateResult(outs=dict(news))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        from huaweicloudsdkcc.v3 import model

        _client().delete_bandwidth_package(model.DeleteBandwidthPackageRequest(id=id_))


class InterRegionBandwidthProvider(ResourceProvider):
    """CRUD of the bandwidth a package grants between two regions of a cloud connection."""

    IMMUTABLE = ("cloud_connection_id", "bandwidth_package_id", "inter_region_ids")

    def create(self, props: dict[str, Any]) -> CreateResult:
        response = _client().create_inter_region_bandwidth(create_inter_region_bandwidth_request(props))
        return CreateResult(id_=response.inter_region_bandwidth.id, outs=dict(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from huaweicloudsdkcc.v3 import model

        request = model.ShowInterRegionBandwidthRequest(id=id_)
        bandwidth = _client().show_inter_region_bandwidth(request).inter_region_bandwidth
        return ReadResult(id_=id_, outs={**props, "bandwidth": bandwidth.bandwidth})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, self.IMMUTABLE)

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _client().update_inter_region_bandwidth(update_inter_region_bandwidth_request(id_, news))
        return UpdateResult(outs=dict(news))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        from huaweicloudsdkcc.v3 import model

        _client().delete_inter_region_bandwidth(model.DeleteInterRegionBandwidthRequest(id=id_))


class BandwidthPackage(Resource):
    """`huaweicloud_cc_bandwidth_package`, as a dynamic resource."""

    def __init__(
        self,
        name: str,
        *,
        package_name: pulumi.Input[str],
        project_id: pulumi.Input[str],
        local_area_id: pulumi.Input[str],
        remote_area_id: pulumi.Input[str],
        billing_mode: int,
        bandwidth: int,
        cloud_connection_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "name": package_name,
            "project_id": project_id,
            "local_area_id": local_area_id,
            "remote_area_id": remote_area_id,
            "billing_mode": billing_mode,
            "bandwidth": bandwidth,
            "resource_id": cloud_connection_id,
        }
        super().__init__(BandwidthPackageProvider(), name, props, opts)


class InterRegionBandwidth(Resource):
    """`huaweicloud_cc_inter_region_bandwidth`, as a dynamic resource."""

    def __init__(
        self,
        name: str,
        *,
        cloud_connection_id: pulumi.Input[str],
        bandwidth_package_id: pulumi.Input[str],
        bandwidth: int,
        inter_region_ids: pulumi.Input[list[pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "cloud_connection_id": cloud_connection_id,
            "bandwidth_package_id": bandwidth_package_id,
            "bandwidth": bandwidth,
            "inter_region_ids": inter_region_ids,
        }
        super().__init__(InterRegionBandwidthProvider(), name, props, opts)
