"""Case type resources on the wire."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.case_type.builtin import DEFAULT_STATUSES, STATUS_GROUPS
from opencase.case_type.models import DESCRIPTION_MAX, EMOJI_MAX, NAME_MAX, CaseType
from opencase.core.clock import rfc3339_opt

Name = Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]
Emoji = Annotated[str, Meta(max_length=EMOJI_MAX)]


class StatusConfig(msgspec.Struct, frozen=True):
    name: str
    status_group: str


class CaseTypeAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    description: str
    emoji: str
    internal: bool
    statuses_config: list[StatusConfig]
    deleted_at: str | None = None


class CaseTypeResource(msgspec.Struct, frozen=True):
    id: str
    attributes: CaseTypeAttributes
    type: Literal["case_type"] = "case_type"


class CaseTypesResponse(msgspec.Struct, frozen=True):
    data: list[CaseTypeResource]


class CaseTypeResponse(msgspec.Struct, frozen=True):
    data: CaseTypeResource


class CaseTypeCreateAttributes(msgspec.Struct, frozen=True):
    name: Name
    description: Description = ""
    emoji: Emoji = ""


class CaseTypeCreate(msgspec.Struct, frozen=True):
    type: Literal["case_type"]
    attributes: CaseTypeCreateAttributes


class CaseTypeCreateRequest(msgspec.Struct, frozen=True):
    data: CaseTypeCreate


class CaseTypeUpdateAttributes(msgspec.Struct, frozen=True):
    name: Name | None = None
    description: Description | None = None
    emoji: Emoji | None = None


class CaseTypeUpdate(msgspec.Struct, frozen=True):
    type: Literal["case_type"]
    attributes: CaseTypeUpdateAttributes = CaseTypeUpdateAttributes()


class CaseTypeUpdateRequest(msgspec.Struct, frozen=True):
    data: CaseTypeUpdate


_STATUSES = [StatusConfig(s.name, STATUS_GROUPS[s.group]) for s in DEFAULT_STATUSES]


def case_type_resource(t: CaseType) -> CaseTypeResource:
    return CaseTypeResource(
        id=t.id,
        attributes=CaseTypeAttributes(
            name=t.name,
            description=t.description,
            emoji=t.emoji,
            internal=t.internal,
            statuses_config=_STATUSES,
            deleted_at=rfc3339_opt(t.deleted_at),
        ),
    )
