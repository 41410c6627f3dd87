"""User data of every resource in a plan document, decoded, for review (`inferfleet render`).

The clouds carry user data under different argument names and encodings: `userData` (plain or
base64), `userDataRaw`, CCE `preinstall`/`postinstall`, ACK `preUserData`, TKE
`nodeConfig.userData`, a launch template's base64 MIME multipart. This finds every one of them
in the resources' inputs, whatever the resource type, so it works on any plan document,
including a normalised `pulumi preview --json`.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
from collections.abc import Iterator
from typing import Any

from inferfleet.errors import PlanInputError
from inferfleet.plan.model import SECRET, UNKNOWN, Plan

USER_DATA_KEYS = frozenset(
    {"userData", "userDataRaw", "userDataBase64", "preinstall", "postinstall", "preUserData", "preStartUserScript"}
)
"""Input names (camelCase, as in the plan) that hold user data or a node bootstrap script."""
_TEXT_STARTS = ("#", "Content-Type:", "MIME-Version:")
POOL_TYPE = "inferfleet:gpu_instance:GpuPool"


def user_data_files(plan: Plan) -> dict[str, str]:
    """Relative file name -> decoded text, for each user-data field of each resource in `plan`.

    Files are named `<resource name>.<input path>.<kind>`; a MIME multipart becomes one file per
    part. Kinds: `cloud-config.yaml`, `sh`, `txt`.
    """
    resources = plan.get("resources") if isinstance(plan, dict) else None
    if not isinstance(resources, list):
        raise PlanInputError("plan", "resources", "expected a list of resources")
    files: dict[str, str] = {}
    shown = _shown_by_pools(resources)
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("inputs", {}), dict):
            raise PlanInputError("plan", f"resources[{index}]", "expected a resource with an `inputs` mapping")
        name = str(resource.get("name", f"resource-{index}"))
        parent = resource.get("parent")
        pool_text = shown.get(parent) if isinstance(parent, str) else None
        for path, value in _user_data_fields(resource.get("inputs", {}), ""):
            # Masked user data: the pool's own text, its secrets as placeholders.
            readable = pool_text if value == SECRET and pool_text is not None else value
            for suffix, text in _files_of(readable):
                files[_unique(files, f"{name}.{path}{suffix}")] = text
    return files


def _shown_by_pools(resources: list[Any]) -> dict[str, str]:
    """GPU pool URN -> the user data it published for review (secret values as placeholders)."""
    return {
        resource["urn"]: text
        for resource in resources
        if isinstance(resource, dict)
        and resource.get("type") == POOL_TYPE
        and isinstance(text := (resource.get("outputs") or {}).get("user_data"), str)
    }


def _user_data_fields(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """(input path, value) of every user-data string under `node`, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            if key in USER_DATA_KEYS and isinstance(value, str) and value:
                yield child, value
            else:
                yield from _user_data_fields(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _user_data_fields(value, f"{path}[{index}]")


def _files_of(value: str) -> list[tuple[str, str]]:
    if value in (UNKNOWN, SECRET):
        return [(".txt", f"# {value}: the plan does not show this user data\n")]
    text = decode_user_data(value)
    if text.startswith(("Content-Type:", "MIME-Version:")):
        return _mime_parts(text)
    return [(_kind(text), text)]


def decode_user_data(value: str) -> str:
    """The text of a user-data value: base64 decoded when it is base64 of text, else as given."""
    if value.startswith(_TEXT_STARTS):
        return value
    try:
        decoded = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value
    return decoded if decoded.startswith(_TEXT_STARTS) else value


def _mime_parts(text: str) -> list[tuple[str, str]]:
    message = email.message_from_string(text, policy=email.policy.default)
    parts: list[tuple[str, str]] = []
    for index, part in enumerate(message.walk()):
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        body = payload.decode("utf-8") if isinstance(payload, bytes) else str(part.get_payload())
        subtype = part.get_content_subtype()
        kind = ".cloud-config.yaml" if subtype == "cloud-config" else ".sh" if "shellscript" in subtype else ".txt"
        parts.append((f".part-{index}{kind}", body))
    return parts or [(".txt", text)]


def _kind(text: str) -> str:
    if text.startswith("#cloud-config"):
        return ".cloud-config.yaml"
    if text.startswith("#!"):
        return ".sh"
    return ".txt"


def _unique(files: dict[str, str], name: str) -> str:
    candidate, counter = name, 2
    while candidate in files:
        stem, dot, ext = name.partition(".")
        candidate = f"{stem}-{counter}{dot}{ext}"
        counter += 1
    return candidate
