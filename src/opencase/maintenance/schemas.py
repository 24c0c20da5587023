"""Maintenance windows on the wire: MaintenanceWindowCreateRequest,
MaintenanceWindowUpdateRequest, MaintenanceWindowResponse and MaintenanceWindowsResponse of
Datadog's spec.

`start_at` and `end_at` travel as text and are read by the service (RFC 3339 with an offset,
400 at their pointer otherwise), so that the error names the field and what is expected.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.core.clock import rfc3339
from opencase.maintenance.models import DATETIME_TEXT_MAX, NAME_MAX, QUERY_MAX, MaintenanceWindow

Name = Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
Query = Annotated[str, Meta(max_length=QUERY_MAX)]
DateTime = Annotated[
    str, Meta(max_length=DATETIME_TEXT_MAX, extra_json_schema={"format": "date-time"})
]


class MaintenanceWindowCreateAttributes(msgspec.Struct, frozen=True):
    name: Name
    query: Query
    start_at: DateTime
    end_at: DateTime


class MaintenanceWindowCreate(msgspec.Struct, frozen=True):
    type: Literal["maintenance_window"]
    attributes: MaintenanceWindowCreateAttributes


class MaintenanceWindowCreateRequest(msgspec.Struct, frozen=True):
    data: MaintenanceWindowCreate


class MaintenanceWindowUpdateAttributes(msgspec.Struct, frozen=True):
    """Each attribute absent or null is left as it is; one given replaces the current value."""

    name: Name | None = None
    query: Query | None = None
    start_at: DateTime | None = None
    end_at: DateTime | None = None


class MaintenanceWindowUpdate(msgspec.Struct, frozen=True):
    type: Literal["maintenance_window"]
    attributes: MaintenanceWindowUpdateAttributes = MaintenanceWindowUpdateAttributes()


class MaintenanceWindowUpdateRequest(msgspec.Struct, frozen=True):
    data: MaintenanceWindowUpdate


class MaintenanceWindowAttributes(msgspec.Struct, frozen=True):
    name: str
    query: str
    start_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    end_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    created_by: str  # the creator's user UUID
    updated_by: str  # the last writer's user UUID: the creator until the window is updated


class MaintenanceWindowResource(msgspec.Struct, frozen=True):
    id: str
    attributes: MaintenanceWindowAttributes
    type: Literal["maintenance_window"] = "maintenance_window"


class MaintenanceWindowResponse(msgspec.Struct, frozen=True):
    data: MaintenanceWindowResource


class MaintenanceWindowsResponse(msgspec.Struct, frozen=True):
    data: list[MaintenanceWindowResource]


def window_resource(window: MaintenanceWindow) -> MaintenanceWindowResource:
    return MaintenanceWindowResource(
        id=window.id,
        attributes=MaintenanceWindowAttributes(
            name=window.name,
            query=window.query,
            start_at=rfc3339(window.start_at),
            end_at=rfc3339(window.end_at),
            created_by=window.created_by,
            updated_by=window.modified_by or window.created_by,
        ),
    )
