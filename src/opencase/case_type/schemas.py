"""Case type resources on the wire."""

from __future__ import annotations

from typing import Literal

import msgspec


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
