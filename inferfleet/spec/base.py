"""Shared base and field types of the stack spec."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Env = Literal["prod", "staging", "dev"]
Cloud = Literal["huaweicloud", "alicloud", "tencentcloud", "aws"]

_DNS_LABEL = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"
DnsLabel = Annotated[str, Field(pattern=_DNS_LABEL, description="lower-case DNS label, 1-40 characters")]
Port = Annotated[int, Field(ge=1, le=65535)]
ScalarValue = str | int | float | bool


class SpecModel(BaseModel):
    """Base for every spec section: frozen, unknown keys rejected, field names or aliases accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
