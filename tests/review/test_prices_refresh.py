"""`inferfleet prices refresh`: each cloud's official SDK against a loopback server answering the documented shapes."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from inferfleet.cli.app import main
from inferfleet.errors import EngineError
from inferfleet.review import refresh
from inferfleet.review.prices import COLUMNS, load_prices
from inferfleet.review.refresh import MissingCredentialsError, refresh_prices

TODAY = date(2026, 12, 2)
HEADER = ",".join(COLUMNS)
TABLE = f"""{HEADER}
alicloud,cn-beijing,flavor,ecs.gn7i-c8g1.2xlarge,on-demand,11,CNY,hour,catalog,2026-10-01,true
alicloud,cn-beijing,flavor,ecs.gn8v.4xlarge,on-demand,35,CNY,hour,catalog,2026-10-01,true
alicloud,cn-shanghai,flavor,ecs.gn7i-c8g1.2xlarge,on-demand,11,CNY,hour,catalog,2026-10-01,true
aws,us-west-2,flavor,g5.xlarge,on-demand,1.006,USD,hour,catalog,2026-10-01,true
aws,us-west-2,resource,aws:eks/cluster:Cluster,on-demand,0.1,USD,hour,EKS pricing page,2026-10-01,true
huaweicloud,cn-north-4,flavor,p3.2xlarge.8,on-demand,40,CNY,hour,catalog,2026-10-01,true
huaweicloud,cn-south-1,flavor,physical.kat2ne.48xlarge.8.ei.pod101,on-demand,260,CNY,hour,catalog,2026-10-01,true
tencentcloud,ap-guangzhou,flavor,PNV4.7XLARGE116,on-demand,12.5,CNY,hour,catalog,2026-10-01,true
"""

CREDENTIALS = {
    "alicloud": {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAItest", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "test-secret"},
    "huaweicloud": {
        "HW_ACCESS_KEY": "HWTESTAK",
        "HW_SECRET_KEY": "test-secret",
        "HW_PROJECT_ID": "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
        "HW_DOMAIN_ID": "d0a1b2c3d4e5f40718293a4b5c6d7e8f",
    },
    "tencentcloud": {"TENCENTCLOUD_SECRET_ID": "AKIDtest", "TENCENTCLOUD_SECRET_KEY": "test-secret"},
    "aws": {"AWS_ACCESS_KEY_ID": "AKIATEST", "AWS_SECRET_ACCESS_KEY": "test-secret"},
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Loopback:
    """A loopback HTTP server: `answer(request) -> (status, json body)`; every request is recorded."""

    answer: Callable[[Recorded], tuple[int, Any]]
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def loopback() -> Iterator[Callable[[Callable[[Recorded], tuple[int, Any]]], Loopback]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Callable[[Recorded], tuple[int, Any]]) -> Loopback:
        state = Loopback(answer)

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {key.lower(): value for key, value in self.headers.items()},
                    self.rfile.read(length),
                )
                state.requests.append(recorded)
                status, body = state.answer(recorded)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def log_message(self, *_: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        state.url = f"http://127.0.0.1:{server.server_address[1]}"
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(TABLE)
    return path


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the machine's own cloud credentials or reaches an instance metadata service."""
    for names in CREDENTIALS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    for name in ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _rows(path: Path) -> dict[tuple[str, str, str], Any]:
    return {(row.cloud, row.region, row.item): row for row in load_prices(path, today=TODAY).rows}


def test_alibaba_describe_price(loopback: Any, table: Path) -> None:
    def answer(request: Recorded) -> tuple[int, Any]:
        params = {**request.query, **parse_qs(request.body.decode())}
        if params["InstanceType"] == ["ecs.gn8v.4xlarge"]:
            return 400, {
                "RequestId": "r-2",
                "Code": "InvalidInstanceType.ValueNotSupported",
                "Message": "The specified InstanceType does not exist.",
            }
        return 200, {
            "RequestId": "r-1",
            "PriceInfo": {
                "Price": {
                    "OriginalPrice": 11.83,
                    "DiscountPrice": 0.0,
                    "TradePrice": 11.83,
                    "Currency": "CNY",
                    "DetailInfos": {
                        "DetailInfo": [
                            {"Resource": "instanceType", "OriginalPrice": 11.48, "TradePrice": 11.48},
                            {"Resource": "systemDisk", "OriginalPrice": 0.35, "TradePrice": 0.35},
                        ]
                    },
                },
                "Rules": {"Rule": []},
            },
        }

    server = loopback(answer)
    result = refresh_prices(
        table, "alicloud", region="cn-beijing", endpoint=server.url, environ=CREDENTIALS["alicloud"], today=TODAY
    )
    params = {**server.requests[0].query, **parse_qs(server.requests[0].body.decode())}
    assert params["Action"] == ["DescribePrice"]
    assert params["PriceUnit"] == ["Hour"]
    assert params["ResourceType"] == ["instance"]
    assert params["RegionId"] == ["cn-beijing"]
    assert "Signature" in params
    assert [(change.old.price, change.new.price) for change in result.changes] == [(Decimal(11), Decimal("11.48"))]
    assert [row.item for row in result.not_offered] == ["ecs.gn8v.4xlarge"]
    rows = _rows(table)
    refreshed = rows["alicloud", "cn-beijing", "ecs.gn7i-c8g1.2xlarge"]
    assert (refreshed.estimate, refreshed.fetched, refreshed.source) == (
        False,
        TODAY,
        "Alibaba Cloud ECS DescribePrice",
    )
    # Another region, and a flavor the cloud did not price, stay as they were.
    assert rows["alicloud", "cn-shanghai", "ecs.gn7i-c8g1.2xlarge"].estimate
    assert rows["alicloud", "cn-beijing", "ecs.gn8v.4xlarge"].price == Decimal(35)


def test_huawei_on_demand_resource_ratings(loopback: Any, table: Path) -> None:
    def answer(request: Recorded) -> tuple[int, Any]:
        return 200, {
            "amount": 38.5,
            "discount_amount": 2.75,
            "official_website_amount": 41.25,
            "measure_id": 1,
            "currency": "CNY",
            "product_rating_results": [
                {
                    "id": "1",
                    "product_id": "00301-xxxx",
                    "amount": 38.5,
                    "official_website_amount": 41.25,
                    "measure_id": 1,
                }
            ],
        }

    server = loopback(answer)
    result = refresh_prices(table, "huaweicloud", endpoint=server.url, environ=CREDENTIALS["huaweicloud"], today=TODAY)
    paths = {(request.method, request.path) for request in server.requests}
    assert paths == {("POST", "/v2/bills/ratings/on-demand-resources")}
    bodies = [json.loads(request.body) for request in server.requests]
    specs = sorted(body["product_infos"][0]["resource_spec"] for body in bodies)
    assert specs == ["p3.2xlarge.8.linux", "physical.kat2ne.48xlarge.8.ei.pod101.linux"]
    bare_metal = next(body for body in bodies if body["product_infos"][0]["resource_spec"].startswith("physical."))
    assert bare_metal["product_infos"][0]["cloud_service_type"] == "hws.service.type.bms"
    assert bare_metal["product_infos"][0]["usage_measure_id"] == 4
    assert bodies[0]["project_id"] == CREDENTIALS["huaweicloud"]["HW_PROJECT_ID"]
    assert all(request.headers["authorization"].startswith("SDK-HMAC-SHA256") for request in server.requests)
    assert {change.new.price for change in result.changes} == {Decimal("41.25")}
    assert _rows(table)["huaweicloud", "cn-north-4", "p3.2xlarge.8"].estimate is False


def test_tencent_zone_instance_config_infos(loopback: Any, table: Path) -> None:
    def answer(request: Recorded) -> tuple[int, Any]:
        item = {
            "InstanceType": "PNV4.7XLARGE116",
            "InstanceChargeType": "POSTPAID_BY_HOUR",
            "Status": "SELL",
            "Price": {"UnitPrice": 13.02, "ChargeUnit": "HOUR", "UnitPriceDiscount": 13.02, "Discount": 100},
        }
        return 200, {
            "Response": {
                "InstanceTypeQuotaSet": [
                    {**item, "Zone": "ap-guangzhou-3"},
                    {**item, "Zone": "ap-guangzhou-6", "Price": {**item["Price"], "UnitPrice": 12.88}},
                    {
                        **item,
                        "Zone": "ap-guangzhou-7",
                        "Status": "SOLD_OUT",
                        "Price": {**item["Price"], "UnitPrice": 1},
                    },
                ],
                "RequestId": "r-1",
            }
        }

    server = loopback(answer)
    result = refresh_prices(
        table, "tencentcloud", endpoint=server.url, environ=CREDENTIALS["tencentcloud"], today=TODAY
    )
    (request,) = server.requests
    assert request.headers["x-tc-action"] == "DescribeZoneInstanceConfigInfos"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.headers["authorization"].startswith("TC3-HMAC-SHA256")
    filters = {item["Name"]: item["Values"] for item in json.loads(request.body)["Filters"]}
    assert filters == {"instance-type": ["PNV4.7XLARGE116"], "instance-charge-type": ["POSTPAID_BY_HOUR"]}
    # The cheapest zone that sells it; a sold-out zone does not count.
    assert [(change.new.price, change.new.currency) for change in result.changes] == [(Decimal("12.88"), "CNY")]


def test_aws_price_list_get_products(loopback: Any, table: Path) -> None:
    product = {
        "product": {"attributes": {"instanceType": "g5.xlarge", "regionCode": "us-west-2"}, "sku": "SKU1"},
        "terms": {
            "OnDemand": {
                "SKU1.JRTCKXETXF": {
                    "priceDimensions": {
                        "SKU1.JRTCKXETXF.6YS6EN2CT7": {
                            "unit": "Hrs",
                            "pricePerUnit": {"USD": "1.0060000000"},
                            "description": "$1.006 per On Demand Linux g5.xlarge Instance Hour",
                        }
                    }
                }
            }
        },
    }

    def answer(request: Recorded) -> tuple[int, Any]:
        return 200, {"FormatVersion": "aws_v1", "PriceList": [json.dumps(product)]}

    server = loopback(answer)
    environ = CREDENTIALS["aws"]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        result = refresh_prices(table, "aws", endpoint=server.url, environ=environ, today=TODAY)
    (request,) = server.requests
    assert request.headers["x-amz-target"] == "AWSPriceListService.GetProducts"
    body = json.loads(request.body)
    assert body["ServiceCode"] == "AmazonEC2"
    assert {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-west-2"} in body["Filters"]
    assert [(change.old.price, change.new.price) for change in result.changes] == [(Decimal("1.006"), Decimal("1.006"))]
    rows = _rows(table)
    assert rows["aws", "us-west-2", "g5.xlarge"].estimate is False
    # Resource rows (not flavors) are not the API's to answer: the EKS row stays an estimate.
    assert rows["aws", "us-west-2", "aws:eks/cluster:Cluster"].estimate


def test_an_answer_that_is_not_a_price_fails_and_leaves_the_table(loopback: Any, table: Path) -> None:
    server = loopback(
        lambda _request: (
            200,
            {
                "Response": {
                    "InstanceTypeQuotaSet": [
                        {"InstanceType": "PNV4.7XLARGE116", "Price": {"UnitPrice": "NaN", "ChargeUnit": "HOUR"}}
                    ],
                    "RequestId": "r",
                }
            },
        )
    )
    before = table.read_text()
    with pytest.raises(EngineError, match=r"not an amount|outside"):
        refresh_prices(table, "tencentcloud", endpoint=server.url, environ=CREDENTIALS["tencentcloud"], today=TODAY)
    assert table.read_text() == before


@pytest.mark.parametrize(
    ("cloud", "body"),
    [
        ("alicloud", {"RequestId": "r", "PriceInfo": ["not", "an", "object"]}),
        ("tencentcloud", {"Response": {"RequestId": "r", "InstanceTypeQuotaSet": {"not": "a list"}}}),
        ("aws", {"PriceList": [{"terms": "not an object"}], "FormatVersion": "aws_v1"}),
        ("aws", {"PriceList": ["{not json"], "FormatVersion": "aws_v1"}),
    ],
)
def test_an_answer_of_the_wrong_shape_is_an_engine_error_and_leaves_the_table(
    loopback: Any, table: Path, cloud: str, body: Any
) -> None:
    server = loopback(lambda _request: (200, body))
    before = table.read_text()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS[cloud].items():  # boto3 reads its credentials from the environment
            patch.setenv(name, value)
        # An engine error naming the request (exit 3), never an internal error; Tencent's SDK reports the
        # shape itself, the others through the refresh's own check.
        with pytest.raises(EngineError, match=r"(unexpected document|AttributeError)"):
            refresh_prices(table, cloud, endpoint=server.url, environ=CREDENTIALS[cloud], today=TODAY)
    assert table.read_text() == before


@pytest.mark.parametrize("cloud", sorted(CREDENTIALS))
def test_missing_credentials_exit_2_and_leave_the_table(
    cloud: str, table: Path, loopback: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server = loopback(lambda _request: (500, {}))
    before = table.read_text()
    with pytest.raises(MissingCredentialsError, match="credentials"):
        refresh_prices(table, cloud, endpoint=server.url, environ={}, today=TODAY)
    code = main(["prices", "refresh", "--cloud", cloud, "--table", str(table), "--endpoint", server.url])
    assert code == 2
    assert "credentials" in capsys.readouterr().err
    assert table.read_text() == before
    assert server.requests == []


def test_cli_refresh_prints_old_and_new_prices(
    loopback: Any, table: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = loopback(
        lambda _request: (200, {"official_website_amount": 41.25, "measure_id": 1, "currency": "CNY", "amount": 41.25})
    )
    for name, value in CREDENTIALS["huaweicloud"].items():
        monkeypatch.setenv(name, value)
    code = main(
        [
            "prices",
            "refresh",
            "--cloud",
            "huaweicloud",
            "--region",
            "cn-north-4",
            "--table",
            str(table),
            "--endpoint",
            server.url,
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    assert document["changes"] == [
        {
            "region": "cn-north-4",
            "item": "p3.2xlarge.8",
            "old": {"price": "40", "currency": "CNY", "estimate": True, "fetched": "2026-10-01"},
            "new": {"price": "41.25", "currency": "CNY", "estimate": False, "fetched": date.today().isoformat()},
        }
    ]
    assert len(server.requests) == 1


def test_an_api_error_exits_3_naming_the_row_and_leaves_the_table(
    loopback: Any, table: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = loopback(lambda _request: (400, {"error_code": "CBC.0100", "error_msg": "Invalid parameter."}))
    for name, value in CREDENTIALS["huaweicloud"].items():
        monkeypatch.setenv(name, value)
    before = table.read_text()
    code = main(["prices", "refresh", "--cloud", "huaweicloud", "--table", str(table), "--endpoint", server.url])
    assert code == 3
    err = capsys.readouterr().err
    assert "CBC.0100" in err
    assert "p3.2xlarge.8" in err or "physical.kat2ne" in err
    assert CREDENTIALS["huaweicloud"]["HW_SECRET_KEY"] not in err
    assert table.read_text() == before


@pytest.mark.parametrize(
    ("cloud", "status", "body", "expected"),
    [
        # A 200 answer without a price list is not "not sold here": every row was kept as "not priced".
        ("aws", 200, {"FormatVersion": "aws_v1"}, "the pricing API answered without a PriceList"),
        ("aws", 200, {"PriceList": ["[" * 100_000 + "]" * 100_000]}, "unexpected document (RecursionError)"),
        (
            "tencentcloud",
            200,
            {
                "Response": {
                    "InstanceTypeQuotaSet": [
                        {"InstanceType": "PNV4.7XLARGE116", "Price": {"UnitPrice": "1e-30", "ChargeUnit": "HOUR"}}
                    ],
                    "RequestId": "r",
                }
            },
            "answered a price of 0; not written as a list price",
        ),
        (
            "tencentcloud",
            200,
            {"Response": {"Error": {"Code": "E" * 1_000_000, "Message": "no"}, "RequestId": "r"}},
            "more characters",
        ),
    ],
)
def test_nonsense_from_a_pricing_api_is_an_engine_error_of_bounded_length(
    loopback: Any, table: Path, cloud: str, status: int, *, body: Any, expected: str
) -> None:
    server = loopback(lambda _request: (status, body))
    before = table.read_text()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS[cloud].items():  # boto3 reads its credentials from the environment
            patch.setenv(name, value)
        with pytest.raises(EngineError, match=re.escape(expected)) as raised:
            refresh_prices(table, cloud, endpoint=server.url, environ=CREDENTIALS[cloud], today=TODAY)
    assert len(str(raised.value)) < 1_000
    assert table.read_text() == before


def test_a_pricing_api_that_takes_too_long_is_cut_off(
    loopback: Any, table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each SDK bounds a read; the refresh bounds the whole question (a slow drip passes every read's bound)."""
    monkeypatch.setattr(refresh, "QUOTE_DEADLINE_SECONDS", 1.5)

    def slowly(_request: Any) -> tuple[int, Any]:
        time.sleep(5)
        return 200, {"official_website_amount": 41.25, "measure_id": 1, "currency": "CNY", "amount": 41.25}

    server = loopback(slowly)
    before = table.read_text()
    started = time.monotonic()
    with pytest.raises(EngineError, match=r"did not finish within 1\.5 s"):
        refresh_prices(table, "huaweicloud", endpoint=server.url, environ=CREDENTIALS["huaweicloud"], today=TODAY)
    assert time.monotonic() - started < 4
    assert table.read_text() == before
