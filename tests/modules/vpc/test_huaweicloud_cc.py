"""Cloud Connect bandwidth dynamic provider: SDK requests built offline, CRUD wired to them, credentials from env."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from huaweicloudsdkcc.v3 import model
from inferfleet_vpc import _huaweicloud_cc as cc

PACKAGE = {
    "name": "links-north",
    "project_id": "project-south",
    "local_area_id": "Chinese-Mainland",
    "remote_area_id": "Chinese-Mainland",
    "billing_mode": 3,
    "bandwidth": 200,
    "resource_id": "connection-1",
}
INTER_REGION = {
    "cloud_connection_id": "connection-1",
    "bandwidth_package_id": "package-1",
    "bandwidth": 200,
    "inter_region_ids": ["cn-south-1", "cn-north-4"],
}


def test_create_bandwidth_package_request() -> None:
    request = cc.create_bandwidth_package_request(PACKAGE)
    assert isinstance(request, model.CreateBandwidthPackageRequest)
    assert request.body.bandwidth_package.to_dict() == {
        "name": "links-north",
        "description": None,
        "enterprise_project_id": None,
        "project_id": "project-south",
        "local_area_id": "Chinese-Mainland",
        "remote_area_id": "Chinese-Mainland",
        "charge_mode": "bandwidth",
        "billing_mode": 3,
        "bandwidth": 200,
        "resource_id": "connection-1",
        "resource_type": "cloud_connection",
        "spec_code": None,
        "interflow_mode": None,
        "prepaid_options": None,
    }


def test_update_bandwidth_package_request_changes_only_name_and_bandwidth() -> None:
    request = cc.update_bandwidth_package_request("package-1", {**PACKAGE, "bandwidth": 500})
    assert isinstance(request, model.UpdateBandwidthPackageRequest)
    assert request.id == "package-1"
    body = request.body.bandwidth_package
    assert (body.name, body.bandwidth, body.billing_mode) == ("links-north", 500, None)


def test_create_inter_region_bandwidth_request() -> None:
    request = cc.create_inter_region_bandwidth_request(INTER_REGION)
    assert isinstance(request, model.CreateInterRegionBandwidthRequest)
    assert request.body.inter_region_bandwidth.to_dict() == INTER_REGION


def test_update_inter_region_bandwidth_request() -> None:
    request = cc.update_inter_region_bandwidth_request("irb-1", {**INTER_REGION, "bandwidth": 50})
    assert isinstance(request, model.UpdateInterRegionBandwidthRequest)
    assert (request.id, request.body.inter_region_bandwidth.bandwidth) == ("irb-1", 50)


@pytest.mark.parametrize(
    ("region", "area"),
    [("cn-south-1", "Chinese-Mainland"), ("ap-southeast-1", "Asia-Pacific"), ("af-south-1", "Africa")],
)
def test_area_of_a_region(region: str, area: str) -> None:
    assert cc.area_of(region) == area


def test_an_unknown_area_is_named() -> None:
    with pytest.raises(ValueError, match=r"region: 'xx-moon-1' is in no Cloud Connect area"):
        cc.area_of("xx-moon-1")


def test_billing_follows_the_charge_type() -> None:
    assert cc.BILLING_MODES == {"prepaid": 1, "postpaid": 3}


def test_bandwidth_changes_update_in_place_other_changes_replace() -> None:
    provider = cc.BandwidthPackageProvider()
    in_place = provider.diff("package-1", PACKAGE, {**PACKAGE, "bandwidth": 500})
    assert (in_place.changes, in_place.replaces) == (True, [])
    replaced = provider.diff("package-1", PACKAGE, {**PACKAGE, "remote_area_id": "Asia-Pacific"})
    assert (replaced.changes, replaced.replaces) == (True, ["remote_area_id"])
    unchanged = provider.diff("package-1", PACKAGE, dict(PACKAGE))
    assert unchanged.changes is False


class RecordingClient:
    """Stands in for CcClient: records the requests, answers with ids."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, method: str) -> Any:
        def call(request: Any) -> Any:
            self.calls.append((method, request))
            entity = SimpleNamespace(id=f"{method}-id", name="links-north", bandwidth=200)
            return SimpleNamespace(bandwidth_package=entity, inter_region_bandwidth=entity)

        return call


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    recording = RecordingClient()
    monkeypatch.setattr(cc, "_client", lambda: recording)
    return recording


def test_bandwidth_package_crud_sends_the_built_requests(client: RecordingClient) -> None:
    provider = cc.BandwidthPackageProvider()
    created = provider.create(dict(PACKAGE))
    assert created.id == "create_bandwidth_package-id"
    provider.update(created.id, PACKAGE, {**PACKAGE, "bandwidth": 300})
    read = provider.read(created.id, dict(PACKAGE))
    provider.delete(created.id, dict(PACKAGE))
    assert [method for method, _ in client.calls] == [
        "create_bandwidth_package",
        "update_bandwidth_package",
        "show_bandwidth_package",
        "delete_bandwidth_package",
    ]
    assert client.calls[0][1] == cc.create_bandwidth_package_request(PACKAGE)
    assert client.calls[1][1].body.bandwidth_package.bandwidth == 300
    assert client.calls[3][1].id == created.id
    assert read.outs is not None
    assert read.outs["bandwidth"] == 200


def test_inter_region_bandwidth_crud_sends_the_built_requests(client: RecordingClient) -> None:
    provider = cc.InterRegionBandwidthProvider()
    created = provider.create(dict(INTER_REGION))
    provider.update(created.id, INTER_REGION, {**INTER_REGION, "bandwidth": 10})
    provider.delete(created.id, dict(INTER_REGION))
    assert [method for method, _ in client.calls] == [
        "create_inter_region_bandwidth",
        "update_inter_region_bandwidth",
        "delete_inter_region_bandwidth",
    ]
    assert client.calls[0][1] == cc.create_inter_region_bandwidth_request(INTER_REGION)


def test_credentials_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HW_ACCESS_KEY", raising=False)
    monkeypatch.delenv("HW_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="set HW_ACCESS_KEY, HW_SECRET_KEY"):
        cc._client()


def test_a_client_is_built_from_environment_credentials_without_a_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HW_ACCESS_KEY", "ak-example")
    monkeypatch.setenv("HW_SECRET_KEY", "sk-example")
    monkeypatch.setenv("HW_DOMAIN_ID", "domain-example")
    assert type(cc._client()).__name__ == "CcClient"
