"""The accelerator catalog: which flavors each cloud offers in each region, loaded from data and validated.

The rows live in ``catalog.yaml`` beside this file (or any file passed to :func:`load_catalog`),
so adding a flavor never needs a code change.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml

CATALOG_FORMAT = "inferfleet.catalog/v1"
DEFAULT_CATALOG = Path(__file__).with_name("catalog.yaml")
CLOUDS = ("huaweicloud", "alicloud", "tencentcloud", "aws")
FAMILIES = ("nvidia", "ascend")
PLACEMENTS = ("standalone", "scaling_group", "kubernetes")

Family = Literal["nvidia", "ascend"]


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the file and the key path."""


class NotOfferedError(LookupError):
    """An accelerator or flavor is not offered by a cloud in a region; the message lists what is."""


@dataclass(frozen=True, kw_only=True)
class Offering:
    """One instance type/flavor of a cloud, as offered in a region."""

    cloud: str
    region: str
    flavor: str
    accelerator: str
    family: Family
    accelerators_per_node: int
    accelerator_memory_gib: int
    vcpu: int
    ram_gib: int
    device_plugin_resource: str
    price_per_hour: float
    currency: str
    confirmed: bool
    source: str
    bare_metal: bool
    placements: tuple[str, ...]

    @property
    def memory_gib(self) -> int:
        """Accelerator memory of one node (all its accelerators)."""
        return self.accelerator_memory_gib * self.accelerators_per_node


@dataclass(frozen=True, kw_only=True)
class Images:
    """Default images of one accelerator family on one cloud."""

    vm: str
    """Image of standalone instances and scaling groups."""
    node_os: str
    """OS (or image type) of managed Kubernetes node pools."""
    vm_root_device: str = ""
    """Root device name of the `vm` image, where a launch template must name it (AWS)."""


@dataclass(frozen=True)
class Catalog:
    """Every offering, with lookups by cloud, region, accelerator and flavor."""

    offerings_list: tuple[Offering, ...]
    images: Mapping[tuple[str, str], Images]
    accelerators: Mapping[str, Family]
    source: str

    def offerings(self, cloud: str, region: str) -> list[Offering]:
        """Offerings of `cloud` in `region`, in catalog order."""
        return [row for row in self.offerings_list if row.cloud == cloud and row.region == region]

    def accelerators_in(self, cloud: str, region: str) -> list[str]:
        """Accelerator models offered by `cloud` in `region`, sorted."""
        return sorted({row.accelerator for row in self.offerings(cloud, region)})

    def lookup(self, cloud: str, region: str, accelerator: str, flavor: str | None = None) -> Offering:
        """The offering of `accelerator` (the given `flavor`, or the first one) in the region.

        Raises NotOfferedError naming what is offered, e.g.
        ``'a100x' is not offered by huaweicloud in cn-south-1 (known: ascend-910b, nvidia-t4)``.
        """
        rows = [row for row in self.offerings(cloud, region) if row.accelerator == accelerator]
        if not rows:
            known = self.accelerators_in(cloud, region)
            raise NotOfferedError(
                f"{accelerator!r} is not offered by {cloud} in {region} "
                f"({_known_hint(accelerator, known) if known else 'no offerings in that region'})"
            )
        if flavor is None:
            return rows[0]
        for row in rows:
            if row.flavor == flavor:
                return row
        flavors = [row.flavor for row in rows]
        raise NotOfferedError(
            f"flavor {flavor!r} of {accelerator} is not offered by {cloud} in {region} ({_known_hint(flavor, flavors)})"
        )

    def family(self, accelerator: str) -> Family:
        """The accelerator family of a model anywhere in the catalog."""
        if accelerator not in self.accelerators:
            raise NotOfferedError(
                f"{accelerator!r} is not a known accelerator ({_known_hint(accelerator, sorted(self.accelerators))})"
            )
        return self.accelerators[accelerator]

    def image(self, cloud: str, family: str) -> Images:
        return self.images[(cloud, family)]


def _known_hint(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}known: {', '.join(known)}"


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, on libyaml when PyYAML has it: the catalog loads in 7 ms instead of 68 ms."""


@cache
def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate a catalog file (the packaged ``catalog.yaml`` by default)."""
    file = path or DEFAULT_CATALOG
    try:
        document = yaml.load(file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{file}: cannot be read as YAML: {exc}") from None
    return parse_catalog(document, str(file))


def parse_catalog(document: Any, source: str) -> Catalog:
    """Validate a catalog document; every error names `source` and the key path."""
    reader = _Reader(source)
    root = reader.mapping(document, "")
    reader.known_keys(root, "", {"format", "accelerators", "clouds"})
    if root.get("format") != CATALOG_FORMAT:
        reader.fail("format", f"expected {CATALOG_FORMAT!r}, got {root.get('format')!r}")
    accelerators: dict[str, tuple[Family, int, str]] = {}
    for name, raw in reader.mapping(root.get("accelerators"), "accelerators").items():
        where = f"accelerators.{name}"
        entry = reader.mapping(raw, where)
        reader.known_keys(entry, where, {"family", "memory_gib", "device_plugin_resource"})
        family = reader.choice(entry, where, "family", FAMILIES)
        memory = reader.number(entry, where, "memory_gib", int, minimum=1)
        resource = reader.text(entry, where, "device_plugin_resource")
        accelerators[str(name)] = (cast(Family, family), int(memory), resource)
    rows: list[Offering] = []
    images: dict[tuple[str, str], Images] = {}
    clouds = reader.mapping(root.get("clouds"), "clouds")
    for cloud, raw_cloud in clouds.items():
        where = f"clouds.{cloud}"
        if cloud not in CLOUDS:
            reader.fail(where, f"unknown cloud (known: {', '.join(CLOUDS)})")
        section = reader.mapping(raw_cloud, where)
        reader.known_keys(section, where, {"currency", "images", "offerings"})
        currency = reader.text(section, where, "currency")
        for family, raw_images in reader.mapping(section.get("images"), f"{where}.images").items():
            image_where = f"{where}.images.{family}"
            if family not in FAMILIES:
                reader.fail(image_where, f"unknown accelerator family (known: {', '.join(FAMILIES)})")
            entry = reader.mapping(raw_images, image_where)
            reader.known_keys(entry, image_where, {"vm", "node_os", "vm_root_device"})
            images[(cloud, family)] = Images(
                vm=reader.text(entry, image_where, "vm", empty=True),
                node_os=reader.text(entry, image_where, "node_os", empty=True),
                vm_root_device=reader.text({"vm_root_device": ""} | entry, image_where, "vm_root_device", empty=True),
            )
        for index, raw_row in enumerate(reader.sequence(section.get("offerings"), f"{where}.offerings")):
            rows.extend(
                _offerings(
                    reader,
                    f"{where}.offerings[{index}]",
                    raw_row,
                    cloud=cloud,
                    currency=currency,
                    accelerators=accelerators,
                )
            )
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        key = (row.cloud, row.region, row.flavor)
        if key in seen:
            reader.fail(f"clouds.{row.cloud}.offerings", f"flavor {row.flavor} is listed twice for {row.region}")
        seen.add(key)
    return Catalog(
        offerings_list=tuple(rows),
        images=images,
        accelerators={name: entry[0] for name, entry in accelerators.items()},
        source=source,
    )


_ROW_KEYS = {
    "flavor", "accelerator", "count", "vcpu", "ram_gib", "price_per_hour", "regions", "confirmed", "source",
    "bare_metal", "placements",
}  # fmt: skip


def _offerings(
    reader: _Reader,
    where: str,
    raw: Any,
    *,
    cloud: str,
    currency: str,
    accelerators: Mapping[str, tuple[Family, int, str]],
) -> list[Offering]:
    row = reader.mapping(raw, where)
    reader.known_keys(row, where, _ROW_KEYS)
    accelerator = reader.text(row, where, "accelerator")
    if accelerator not in accelerators:
        reader.fail(f"{where}.accelerator", f"{accelerator!r} is not listed under `accelerators`")
    family, memory, resource = accelerators[accelerator]
    regions = [str(region) for region in reader.sequence(row.get("regions"), f"{where}.regions")]
    if not regions:
        reader.fail(f"{where}.regions", "expected at least one region")
    placements = tuple(str(p) for p in reader.sequence(row.get("placements", list(PLACEMENTS)), f"{where}.placements"))
    for placement in placements:
        if placement not in PLACEMENTS:
            reader.fail(f"{where}.placements", f"unknown placement {placement!r} (known: {', '.join(PLACEMENTS)})")
    confirmed = row.get("confirmed")
    if not isinstance(confirmed, bool):
        reader.fail(f"{where}.confirmed", "expected true or false")
    bare_metal = row.get("bare_metal", False)
    if not isinstance(bare_metal, bool):
        reader.fail(f"{where}.bare_metal", "expected true or false")
    common = {
        "cloud": cloud,
        "flavor": reader.text(row, where, "flavor"),
        "accelerator": accelerator,
        "family": family,
        "accelerators_per_node": int(reader.number(row, where, "count", int, minimum=1)),
        "accelerator_memory_gib": memory,
        "vcpu": int(reader.number(row, where, "vcpu", int, minimum=1)),
        "ram_gib": int(reader.number(row, where, "ram_gib", int, minimum=1)),
        "device_plugin_resource": resource,
        "price_per_hour": float(reader.number(row, where, "price_per_hour", float, minimum=0)),
        "currency": currency,
        "confirmed": confirmed,
        "source": reader.text(row, where, "source"),
        "bare_metal": bare_metal,
        "placements": placements,
    }
    return [Offering(region=region, **common) for region in regions]


class _Reader:
    """Typed access to the raw document; every failure is a CatalogError located in the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expectation: str) -> None:
        location = f"{self.source}: {where}" if where else self.source
        raise CatalogError(f"{location}: {expectation}")

    def known_keys(self, entry: Mapping[str, Any], where: str, known: set[str]) -> None:
        """A typo'd key must not silently become a default."""
        unknown = sorted(set(entry) - known)
        if unknown:
            self.fail(
                f"{where}.{unknown[0]}" if where else unknown[0], f"unknown key (known: {', '.join(sorted(known))})"
            )

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, got {type(value).__name__}")
        return cast(dict[str, Any], value)

    def sequence(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"expected a list, got {type(value).__name__}")
        return cast(list[Any], value)

    def text(self, entry: Mapping[str, Any], where: str, key: str, *, empty: bool = False) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or (not empty and not value):
            self.fail(f"{where}.{key}", f"expected a non-empty string, got {value!r}")
        return cast(str, value)

    def choice(self, entry: Mapping[str, Any], where: str, key: str, choices: tuple[str, ...]) -> str:
        value = entry.get(key)
        if value not in choices:
            self.fail(f"{where}.{key}", f"expected one of {', '.join(choices)}, got {value!r}")
        return cast(str, value)

    def number(self, entry: Mapping[str, Any], where: str, key: str, kind: type, *, minimum: float) -> float:
        value = entry.get(key)
        accepted = (int,) if kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, accepted) or value < minimum:
            self.fail(f"{where}.{key}", f"expected {kind.__name__} >= {minimum}, got {value!r}")
        return cast(float, value)
