"""Refresh the price table from each cloud's official pricing API, through its official Python SDK.

- Alibaba Cloud: ECS DescribePrice (aliyun-python-sdk-ecs), the instance type's list price per hour.
- Huawei Cloud: BSS ListOnDemandResourceRatings (huaweicloudsdkbss), the official website amount per hour.
- Tencent Cloud: CVM DescribeZoneInstanceConfigInfos (tencentcloud-sdk-python-cvm), the pay-as-you-go
  unit price per hour (the lowest over the region's zones).
- AWS: the Price List API's GetProducts (boto3 `pricing`), Linux shared-tenancy on-demand per hour.

List prices, not an account's discounts, so the table means the same for everyone. Credentials come
from the environment, as the Pulumi providers read them; without them nothing is asked and nothing is
written. Every answer is untrusted: a price that is not a finite amount in range is an error, not a row.
The SDKs are imported only when a refresh runs (they are the optional `prices` extra).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from inferfleet.errors import EngineError, InputError, UsageError, cut
from inferfleet.remote import within
from inferfleet.review.prices import (
    CURRENCIES,
    MAX_PRICE,
    PriceRow,
    load_prices,
    merge,
    with_price,
    write_table,
)
from inferfleet.urls import http_url, without_credentials

MAX_ANSWER_ITEMS = 1000
"""Most price entries read from one answer (AWS lists one product per matching SKU)."""
QUOTE_DEADLINE_SECONDS = 120.0
"""Longest one price query may take, every read included (the SDKs' own timeouts bound each read)."""


class MissingCredentialsError(InputError):
    """The environment has no credentials for the cloud's pricing API."""


@dataclass(frozen=True)
class Quote:
    price: Decimal
    currency: str


class PriceSource(Protocol):
    api: str
    """The API named in a refreshed row's `source` column."""

    def quote(self, region: str, flavor: str) -> Quote | None:
        """The on-demand hourly list price of a flavor in a region; None when the cloud does not sell it there."""


def _amount(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise EngineError(f"{what}: the pricing API answered {str(value)[:40]!r}, not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE:
        raise EngineError(f"{what}: the pricing API answered {amount}, outside 0 to {MAX_PRICE}")
    return amount.quantize(Decimal("0.000001")).normalize()


def _currency(value: Any, what: str) -> str:
    if value not in CURRENCIES:
        raise EngineError(f"{what}: the pricing API answered in {str(value)[:10]!r}, not one of {CURRENCIES}")
    return str(value)


def _env(environ: Mapping[str, str], *names: str) -> str | None:
    return next((environ[name] for name in names if environ.get(name)), None)


def _require(environ: Mapping[str, str], cloud: str, groups: Iterable[tuple[str, ...]]) -> list[str]:
    values, missing = [], []
    for names in groups:
        value = _env(environ, *names)
        if value is None:
            missing.append(" or ".join(names))
        else:
            values.append(value)
    if missing:
        raise MissingCredentialsError(
            f"prices refresh --cloud {cloud}: no credentials in the environment: set {'; '.join(missing)}",
            hint="the price table was not changed",
        )
    return values


class AlibabaPrices:
    api = "Alibaba Cloud ECS DescribePrice"

    def __init__(self, environ: Mapping[str, str], endpoint: str | None) -> None:
        self.key, self.secret = _require(
            environ,
            "alicloud",
            [
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"),
            ],
        )
        self.endpoint = endpoint

    def quote(self, region: str, flavor: str) -> Quote | None:
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkecs.request.v20140526.DescribePriceRequest import DescribePriceRequest

        request = DescribePriceRequest()
        request.set_accept_format("json")
        request.set_ResourceType("instance")
        request.set_InstanceType(flavor)
        request.set_PriceUnit("Hour")
        if self.endpoint:
            parts = urlsplit(self.endpoint)
            request.set_endpoint(parts.netloc or parts.path)
            request.set_protocol_type(parts.scheme or "https")
        client = AcsClient(self.key, self.secret, region, auto_retry=False, timeout=30)
        try:
            answer = json.loads(client.do_action_with_exception(request))
        except ServerException as error:
            if error.get_error_code() in {"InvalidInstanceType.ValueNotSupported", "InvalidInstanceType.NotFound"}:
                return None
            raise EngineError(f"{self.api} {region} {flavor}: {cut(error.get_error_code(), 200)}") from None
        except ClientException as error:
            raise EngineError(f"{self.api} {region} {flavor}: {cut(error.get_error_code(), 200)}") from None
        price = (answer.get("PriceInfo") or {}).get("Price") or {}
        what = f"{self.api} {region} {flavor}"
        details = ((price.get("DetailInfos") or {}).get("DetailInfo") or [])[:MAX_ANSWER_ITEMS]
        instance = next((item for item in details if item.get("Resource") == "instanceType"), None)
        original = (instance or price).get("OriginalPrice")
        return Quote(_amount(original, what), _currency(price.get("Currency"), what))


class HuaweiPrices:
    api = "Huawei Cloud BSS ListOnDemandResourceRatings"

    def __init__(self, environ: Mapping[str, str], endpoint: str | None) -> None:
        self.key, self.secret, self.project_id = _require(
            environ, "huaweicloud", [("HW_ACCESS_KEY",), ("HW_SECRET_KEY",), ("HW_PROJECT_ID",)]
        )
        self.domain_id = _env(environ, "HW_DOMAIN_ID")
        self.endpoint = endpoint

    def _client(self) -> Any:
        from huaweicloudsdkbss.v2 import BssClient
        from huaweicloudsdkbss.v2.region.bss_region import BssRegion
        from huaweicloudsdkcore.auth.credentials import GlobalCredentials

        builder = BssClient.new_builder().with_credentials(GlobalCredentials(self.key, self.secret, self.domain_id))
        if self.endpoint:
            return builder.with_endpoints([self.endpoint]).build()
        return builder.with_region(BssRegion.value_of("cn-north-1")).build()

    def quote(self, region: str, flavor: str) -> Quote | None:
        from huaweicloudsdkbss.v2 import DemandProductInfo, ListOnDemandResourceRatingsRequest, RateOnDemandReq
        from huaweicloudsdkcore.exceptions.exceptions import SdkException

        bare_metal = flavor.startswith("physical.")
        product = DemandProductInfo(
            id="1",
            cloud_service_type="hws.service.type.bms" if bare_metal else "hws.service.type.ec2",
            resource_type="hws.resource.type.pm" if bare_metal else "hws.resource.type.vm",
            resource_spec=f"{flavor}.linux",
            region=region,
            usage_factor="Duration",
            usage_value=1,
            usage_measure_id=4,  # hour
            subscription_num=1,
        )
        request = ListOnDemandResourceRatingsRequest(
            body=RateOnDemandReq(project_id=self.project_id, product_infos=[product])
        )
        try:
            answer = self._client().list_on_demand_resource_ratings(request)
        except SdkException as error:  # a spec the region does not sell is a parameter error (CBC.0100) too
            raise EngineError(
                f"{self.api} {region} {flavor}: {cut(getattr(error, 'error_code', type(error).__name__), 200)}"
            ) from None
        what = f"{self.api} {region} {flavor}"
        if answer.measure_id not in (None, 1):  # 1: yuan (the unit of the amounts)
            raise EngineError(f"{what}: amounts in measure {answer.measure_id}, expected 1 (yuan)")
        return Quote(_amount(answer.official_website_amount, what), _currency(answer.currency or "CNY", what))


class TencentPrices:
    api = "Tencent Cloud CVM DescribeZoneInstanceConfigInfos"

    def __init__(self, environ: Mapping[str, str], endpoint: str | None, currency: str) -> None:
        self.key, self.secret = _require(
            environ, "tencentcloud", [("TENCENTCLOUD_SECRET_ID",), ("TENCENTCLOUD_SECRET_KEY",)]
        )
        self.endpoint = endpoint
        self.currency = currency

    def quote(self, region: str, flavor: str) -> Quote | None:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.cvm.v20170312 import cvm_client, models

        http = HttpProfile(reqTimeout=30)
        if self.endpoint:
            parts = urlsplit(self.endpoint)
            http = HttpProfile(protocol=parts.scheme or "https", endpoint=parts.netloc or parts.path, reqTimeout=30)
        client = cvm_client.CvmClient(
            credential.Credential(self.key, self.secret), region, ClientProfile(httpProfile=http)
        )
        request = models.DescribeZoneInstanceConfigInfosRequest()
        request.from_json_string(
            json.dumps(
                {
                    "Filters": [
                        {"Name": "instance-type", "Values": [flavor]},
                        {"Name": "instance-charge-type", "Values": ["POSTPAID_BY_HOUR"]},
                    ]
                }
            )
        )
        try:
            answer = json.loads(client.DescribeZoneInstanceConfigInfos(request).to_json_string())
        except TencentCloudSDKException as error:
            raise EngineError(f"{self.api} {region} {flavor}: {cut(error.get_code(), 200)}") from None
        what = f"{self.api} {region} {flavor}"
        prices = [
            _amount((item.get("Price") or {}).get("UnitPrice"), what)
            for item in (answer.get("InstanceTypeQuotaSet") or [])[:MAX_ANSWER_ITEMS]
            if item.get("InstanceType") == flavor
            and (item.get("Price") or {}).get("ChargeUnit") == "HOUR"
            and item.get("Status") != "SOLD_OUT"
        ]
        # The API does not say its currency: the China site bills in CNY, the international site in USD.
        return Quote(min(prices), self.currency) if prices else None


class AwsPrices:
    api = "AWS Price List GetProducts"

    def __init__(self, environ: Mapping[str, str], endpoint: str | None) -> None:
        import boto3

        self.session = boto3.session.Session()
        if self.session.get_credentials() is None:
            raise MissingCredentialsError(
                "prices refresh --cloud aws: no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "AWS_PROFILE, or another source boto3 reads)",
                hint="the price table was not changed",
            )
        self.endpoint = endpoint

    def quote(self, region: str, flavor: str) -> Quote | None:
        from botocore.exceptions import BotoCoreError, ClientError

        # The Price List API answers from us-east-1 (and a few other regions) for every region's prices.
        client = self.session.client("pricing", region_name="us-east-1", endpoint_url=self.endpoint)
        filters = {
            "instanceType": flavor,
            "regionCode": region,
            "operatingSystem": "Linux",
            "tenancy": "Shared",
            "preInstalledSw": "NA",
            "capacitystatus": "Used",
            "licenseModel": "No License required",
        }
        try:
            answer = client.get_products(
                ServiceCode="AmazonEC2",
                Filters=[{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in filters.items()],
                MaxResults=100,
            )
        except (BotoCoreError, ClientError) as error:
            raise EngineError(f"{self.api} {region} {flavor}: {cut(str(error), 200)}") from None
        what = f"{self.api} {region} {flavor}"
        if not isinstance(answer.get("PriceList"), list):  # e.g. an HTML page with status 200
            raise EngineError(f"{what}: the pricing API answered without a PriceList")
        quotes = []
        for text in answer["PriceList"][:MAX_ANSWER_ITEMS]:
            product = json.loads(text) if isinstance(text, str) else text
            for term in (product.get("terms", {}).get("OnDemand") or {}).values():
                for dimension in (term.get("priceDimensions") or {}).values():
                    if dimension.get("unit") != "Hrs":
                        continue
                    for currency, amount in (dimension.get("pricePerUnit") or {}).items():
                        quotes.append(Quote(_amount(amount, what), _currency(currency, what)))
        positive = [quote for quote in quotes if quote.price > 0]
        if not positive:
            return None
        if len({quote.currency for quote in positive}) > 1:
            raise EngineError(f"{what}: the answer mixes currencies")
        return min(positive, key=lambda quote: quote.price)


CLOUDS: dict[str, Callable[[Mapping[str, str], str | None, str | None], PriceSource]] = {
    "alicloud": lambda environ, endpoint, _currency: AlibabaPrices(environ, endpoint),
    "huaweicloud": lambda environ, endpoint, _currency: HuaweiPrices(environ, endpoint),
    "tencentcloud": lambda environ, endpoint, currency: TencentPrices(environ, endpoint, currency or "CNY"),
    "aws": lambda environ, endpoint, _currency: AwsPrices(environ, endpoint),
}


@dataclass(frozen=True)
class PriceChange:
    old: PriceRow
    new: PriceRow


@dataclass(frozen=True)
class RefreshResult:
    table: str
    cloud: str
    changes: tuple[PriceChange, ...]
    not_offered: tuple[PriceRow, ...]
    """Rows the cloud did not price (the flavor is not sold in that region): left as they were."""


def refresh_prices(
    table_path: Path,
    cloud: str,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    currency: str | None = None,
    environ: Mapping[str, str] | None = None,
    today: date | None = None,
) -> RefreshResult:
    """Ask the cloud for the price of every on-demand flavor row of the table (in `region`), then write the table."""
    if cloud not in CLOUDS:
        raise UsageError(f"--cloud: expected one of {', '.join(CLOUDS)}, got {cloud[:40]!r}")
    if currency is not None and currency not in CURRENCIES:
        raise UsageError(f"--currency: expected one of {', '.join(CURRENCIES)}")
    if currency is not None and cloud != "tencentcloud":
        raise UsageError("--currency: only Tencent Cloud's API leaves its currency unsaid")
    if endpoint is not None:  # a bare host means https, as the SDKs take it
        try:
            http_url(endpoint if "://" in endpoint else f"https://{endpoint}", option="--endpoint")
        except InputError:
            shown = cut(repr(without_credentials(endpoint)))
            expected = "an http(s) URL or a host name, without credentials"
            raise UsageError(f"--endpoint {shown}: expected {expected}") from None
    today = today or date.today()
    table = load_prices(table_path, today=today)
    rows = [
        row
        for row in table.rows
        if row.cloud == cloud and row.kind == "flavor" and row.billing == "on-demand" and region in (None, row.region)
    ]
    if not rows:
        where = f" in {region}" if region else ""
        raise UsageError(f"{table_path}: no on-demand flavor rows for {cloud}{where} to refresh")
    source = CLOUDS[cloud](os.environ if environ is None else environ, endpoint, currency)
    changes, not_offered = [], []
    for row in rows:
        what = f"{source.api} {row.region} {row.item}"
        try:
            with within(QUOTE_DEADLINE_SECONDS, what):
                quote = source.quote(row.region, row.item)
        except (AttributeError, TypeError, ValueError, LookupError, RecursionError) as exc:
            # An answer of the wrong shape (a list where the API documents an object, ...): the
            # readers above index what the API documents; the cloud, not the table, is at fault.
            raise EngineError(
                f"{source.api} {row.region} {row.item}: the pricing API answered an unexpected document "
                f"({type(exc).__name__})"
            ) from None
        if quote is None:
            not_offered.append(row)
            continue
        if quote.price == 0:  # a GPU flavor sold for nothing (or for less than the table's precision)
            raise EngineError(f"{what}: the pricing API answered a price of 0; not written as a list price")
        new = with_price(row, quote.price, source=source.api, fetched=today, currency=quote.currency)
        changes.append(PriceChange(old=row, new=new))
    write_table(table_path, merge(table, [change.new for change in changes]))
    return RefreshResult(table=str(table_path), cloud=cloud, changes=tuple(changes), not_offered=tuple(not_offered))
