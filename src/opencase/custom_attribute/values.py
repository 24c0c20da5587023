"""Checking a case's custom attribute values against the configs of its case type.

A value is stored on the case, and shown, as Datadog's CustomAttributeValue:
`{"type": "NUMBER", "is_multi": false, "value": 42}`. `type` and `is_multi` must be those of the
config; a multi-valued attribute takes a non-empty array without duplicates, a single-valued one
a single value. URL: an absolute http(s) URL; TEXT: a non-blank string; NUMBER: a JSON number;
SELECT: one of the config's options.

This module does not depend on the case package, so case creation can use it.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

import msgspec

from opencase.core.db import Connection, Row
from opencase.core.errors import InvalidInput
from opencase.custom_attribute import sql
from opencase.custom_attribute.models import (
    NUMBER_MAX,
    TEXT_MAX,
    TYPES,
    URL_MAX,
    VALUES_MAX,
    Config,
)


def escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def config_from_row(row: Row) -> Config:
    type_data = msgspec.json.decode(row["type_data"])
    return Config(
        id=str(row["id"]),
        case_type_id=str(row["case_type_id"]),
        key=row["key"],
        display_name=row["display_name"],
        description=row["description"],
        type=row["type"],
        is_multi=bool(row["is_multi"]),
        options=[o["value"] for o in type_data.get("options", [])],
        map_from=row["map_from"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
    )


async def config_by_key(conn: Connection, org_id: str, type_id: str, key: str) -> Config | None:
    """The config of this key in this case type, if any."""
    row = await conn.fetchrow(sql.BY_KEY, org_id, type_id, key)
    return None if row is None else config_from_row(row)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _check_item(config: Config, item: Any, pointer: str) -> Any:
    if config.type == "NUMBER":
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise InvalidInput(f"expected a number, got {_json_type(item)}", pointer=pointer)
        if not math.isfinite(item) or abs(item) > NUMBER_MAX:
            raise InvalidInput(
                f"a number must lie between -{NUMBER_MAX} and {NUMBER_MAX}", pointer=pointer
            )
        return item
    if not isinstance(item, str):
        raise InvalidInput(f"expected a string, got {_json_type(item)}", pointer=pointer)
    if config.type == "SELECT":
        if item not in config.options:
            choices = ", ".join(config.options) if config.options else "(no options configured)"
            raise InvalidInput(f"invalid value {item}. Must be one of {choices}", pointer=pointer)
    elif config.type == "URL":
        parts = urlsplit(item) if len(item) <= URL_MAX else None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(c.isspace() for c in item)
        ):
            raise InvalidInput(
                f"expected an http or https URL of at most {URL_MAX} characters", pointer=pointer
            )
    elif not item.strip() or len(item) > TEXT_MAX:
        raise InvalidInput(
            f"text must be 1 to {TEXT_MAX} characters and not blank", pointer=pointer
        )
    return item


def check_value(config: Config, type: str, is_multi: bool, value: Any, pointer: str) -> Any:
    """The stored form of a value for this config; 400 at `pointer`/… when it does not fit.

    `pointer` is the object holding `type`, `is_multi` and `value`.
    """
    if type != config.type:
        raise InvalidInput(
            f"custom attribute {config.key} has type {config.type}, not {type}",
            pointer=f"{pointer}/type",
        )
    if is_multi != config.is_multi:
        kind = "multi-valued" if config.is_multi else "single-valued"
        raise InvalidInput(
            f"custom attribute {config.key} is {kind}: is_multi must be "
            f"{str(config.is_multi).lower()}",
            pointer=f"{pointer}/is_multi",
        )
    here = f"{pointer}/value"
    if not config.is_multi:
        if isinstance(value, list):
            raise InvalidInput(
                f"custom attribute {config.key} takes a single value, not an array", pointer=here
            )
        item = _check_item(config, value, here)
    else:
        if not isinstance(value, list):
            raise InvalidInput(
                f"custom attribute {config.key} takes an array of values, got {_json_type(value)}",
                pointer=here,
            )
        if not 1 <= len(value) <= VALUES_MAX:
            raise InvalidInput(
                f"a multi-valued attribute takes 1 to {VALUES_MAX} values; to clear it, "
                "delete the custom attribute",
                pointer=here,
            )
        item = []
        for i, v in enumerate(value):
            checked = _check_item(config, v, f"{here}/{i}")
            if checked in item:
                raise InvalidInput(f"duplicate value {v}", pointer=f"{here}/{i}")
            item.append(checked)
    return {"type": config.type, "is_multi": config.is_multi, "value": item}


async def check_case_values(
    conn: Connection, *, org_id: str, type_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """The custom attributes of a new case, each checked against its type's configs (else 400)."""
    out: dict[str, Any] = {}
    for key, given in values.items():
        pointer = f"/data/attributes/custom_attributes/{escape(key)}"
        config = await config_by_key(conn, org_id, type_id, key)
        if config is None:
            raise InvalidInput(
                f"custom attribute {key} is not configured for case type {type_id}",
                pointer=pointer,
            )
        if not isinstance(given, dict):
            raise InvalidInput(
                f"expected an object with type, is_multi and value, got {_json_type(given)}",
                pointer=pointer,
            )
        for field in ("type", "is_multi", "value"):
            if field not in given:
                raise InvalidInput(
                    f"missing required field {field!r}", pointer=f"{pointer}/{field}"
                )
        if given["type"] not in TYPES:
            raise InvalidInput(
                f"invalid type {given['type']}. Must be one of {', '.join(TYPES)}",
                pointer=f"{pointer}/type",
            )
        if not isinstance(given["is_multi"], bool):
            raise InvalidInput(
                f"expected a boolean, got {_json_type(given['is_multi'])}",
                pointer=f"{pointer}/is_multi",
            )
        out[key] = check_value(config, given["type"], given["is_multi"], given["value"], pointer)
    return out
