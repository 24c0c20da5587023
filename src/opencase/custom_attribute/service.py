"""Custom attribute configs of case types, and the values cases hold for them.

Configs belong to a case type (built-in or custom); their keys are unique within it. A case's
values live in `cases.custom_attributes` as `{key: {"type", "is_multi", "value"}}`; every change
goes through `edit_case` (row lock, one event, nothing written when nothing changes).
Changing or deleting a config does not rewrite the values cases already hold.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec

from opencase.case.models import CaseView
from opencase.case.service import edit_case, find_case
from opencase.case_type.service import find_case_type
from opencase.core.clock import now_us
from opencase.core.db import Database, is_unique_violation
from opencase.core.errors import Conflict, DomainError, InvalidInput, NotFound
from opencase.custom_attribute import sql
from opencase.custom_attribute.models import KEY_MAX, OPTION_MAX, OPTIONS_MAX, Config
from opencase.custom_attribute.values import check_value, config_by_key, config_from_row
from opencase.identity.models import Principal

_KEY = re.compile(rf"^[a-z][a-z0-9_]{{0,{KEY_MAX - 1}}}$")
_json = msgspec.json.Encoder()
_ATTRS = "/data/attributes"
_OPTIONS = "/data/attributes/type_data/options"


class UnknownKey(NotFound):
    """No custom attribute with this key is configured for the case's type (404)."""

    def __init__(self, key: str, case_key: str, type_id: str) -> None:
        DomainError.__init__(
            self,
            f'custom attribute not found: no custom attribute with key "{key}" is configured '
            f"for case type {type_id} of case {case_key}",
        )
        self.kind = "custom attribute"


def _type_data(options: list[str]) -> str:
    return _json.encode({"options": [{"value": o} for o in options]}).decode()


def _check_display_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("display_name must not be blank", pointer=f"{_ATTRS}/display_name")
    return name


def _check_options(type: str, options: list[str]) -> list[str]:
    if options and type != "SELECT":
        raise InvalidInput(f"options apply to SELECT attributes only, not {type}", pointer=_OPTIONS)
    if len(options) > OPTIONS_MAX:
        raise InvalidInput(f"at most {OPTIONS_MAX} options", pointer=_OPTIONS)
    for i, option in enumerate(options):
        if not option.strip() or len(option) > OPTION_MAX:
            raise InvalidInput(
                f"an option must be 1 to {OPTION_MAX} characters and not blank",
                pointer=f"{_OPTIONS}/{i}/value",
            )
        if option in options[:i]:
            raise InvalidInput(f"duplicate option {option}", pointer=f"{_OPTIONS}/{i}/value")
    return options


async def list_all_configs(*, db: Database, who: Principal) -> list[Config]:
    """Every config of the organisation's built-in and live custom types, by creation."""
    async with db.snapshot() as conn:
        return [config_from_row(r) for r in await conn.fetch(sql.LIST_ALL, who.org_id)]


async def list_configs(*, db: Database, who: Principal, type_id: str) -> list[Config]:
    """The configs of one case type, by creation."""
    async with db.snapshot() as conn:
        await find_case_type(conn, who.org_id, type_id)
        rows = await conn.fetch(sql.LIST_OF_TYPE, who.org_id, type_id)
    return [config_from_row(r) for r in rows]


async def create_config(
    *,
    db: Database,
    who: Principal,
    type_id: str,
    key: str,
    display_name: str,
    description: str,
    type: str,
    is_multi: bool,
    options: list[str],
    map_from: str | None,
) -> Config:
    """Add a custom attribute to a case type; its key must be new in that type."""
    if not _KEY.match(key):
        raise InvalidInput(
            f"key must be 1 to {KEY_MAX} lowercase letters, digits or underscores, "
            "starting with a letter",
            pointer=f"{_ATTRS}/key",
        )
    config = Config(
        id=str(uuid.uuid4()),
        case_type_id=type_id,
        key=key,
        display_name=_check_display_name(display_name),
        description=description,
        type=type,
        is_multi=is_multi,
        options=_check_options(type, options),
        map_from=map_from or None,
        created_at=now_us(),
        modified_at=None,
    )
    try:
        async with db.transaction() as conn:
            # Locks a custom type's row: it cannot be deleted while the config is added.
            await find_case_type(conn, who.org_id, type_id, for_update=True)
            await conn.execute(
                sql.INSERT,
                who.org_id,
                config.id,
                type_id,
                key,
                config.display_name,
                description,
                type,
                is_multi,
                _type_data(config.options),
                config.map_from,
                config.created_at,
                None,
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(
                f"a custom attribute with key {key} already exists for this case type",
                pointer=f"{_ATTRS}/key",
            ) from None
        raise
    return config


async def update_config(
    *,
    db: Database,
    who: Principal,
    type_id: str,
    config_id: str,
    display_name: str | None,
    description: str | None,
    type: str | None,
    options: list[str] | None,
    map_from: str | None,
) -> Config:
    """Change a config; omitted or unchanged values stay. A new non-SELECT type drops options."""
    async with db.transaction() as conn:
        await find_case_type(conn, who.org_id, type_id, for_update=True)
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, type_id, config_id)
        if row is None:
            raise NotFound("custom_attribute")
        current = config_from_row(row)
        new_type = current.type if type is None else type
        if options is None:
            options = current.options if new_type == "SELECT" else []
        new = msgspec.structs.replace(
            current,
            display_name=current.display_name
            if display_name is None
            else _check_display_name(display_name),
            description=current.description if description is None else description,
            type=new_type,
            options=_check_options(new_type, options),
            map_from=current.map_from if map_from is None else (map_from or None),
        )
        if new == current:
            return current
        new = msgspec.structs.replace(new, modified_at=now_us())
        await conn.execute(
            sql.UPDATE,
            who.org_id,
            type_id,
            config_id,
            new.display_name,
            new.description,
            new.type,
            _type_data(new.options),
            new.map_from,
            new.modified_at,
        )
    return new


async def delete_config(*, db: Database, who: Principal, type_id: str, config_id: str) -> None:
    """Remove a config from a case type (values cases hold for it stay until deleted)."""
    async with db.transaction() as conn:
        await find_case_type(conn, who.org_id, type_id, for_update=True)
        if not await conn.execute(sql.DELETE, who.org_id, type_id, config_id):
            raise NotFound("custom_attribute")


async def set_case_value(
    *, db: Database, who: Principal, ref: str, key: str, type: str, is_multi: bool, value: Any
) -> CaseView:
    """Set one custom attribute of a case, checked against its case type's config."""
    async with db.snapshot() as conn:
        case = await find_case(conn, who.org_id, ref)
        # A case's type never changes, so its config can be read before the edit.
        config = await config_by_key(conn, who.org_id, case.type_id, key)
    if config is None:
        raise UnknownKey(key, case.key, case.type_id)
    stored = check_value(config, type, is_multi, value, _ATTRS)
    return await edit_case(
        db=db,
        who=who,
        ref=ref,
        action="case.custom_attribute_updated",
        change=lambda c, now: {"custom_attributes": {**c.custom_attributes, key: stored}},
    )


async def delete_case_value(*, db: Database, who: Principal, ref: str, key: str) -> CaseView:
    """Remove one custom attribute from a case (configured but not set: no change)."""
    async with db.snapshot() as conn:
        case = await find_case(conn, who.org_id, ref)
        config = await config_by_key(conn, who.org_id, case.type_id, key)
    if config is None and key not in case.custom_attributes:
        raise UnknownKey(key, case.key, case.type_id)
    return await edit_case(
        db=db,
        who=who,
        ref=ref,
        action="case.custom_attribute_deleted",
        change=lambda c, now: {
            "custom_attributes": {k: v for k, v in c.custom_attributes.items() if k != key}
        },
    )
