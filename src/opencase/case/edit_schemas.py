"""Request bodies of the case edits, as Datadog's spec names them (CaseUpdateTitleRequest, …)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from opencase.case.edits import ATTRIBUTE_KEYS_MAX, RESOLVED_REASONS
from opencase.case.schemas import Description, Priority, Title
from opencase.case_type.builtin import LEGACY_STATUS
from opencase.http.errors import ENUM_CHOICES
from opencase.http.fields import ShortName, Uuid, documented

LegacyStatus = Literal["OPEN", "IN_PROGRESS", "CLOSED"]
ResolvedReason = Literal["FALSE_POSITIVE", "TRUE_POSITIVE", "BENIGN_POSITIVE"]
ENUM_CHOICES["attributes/status"] = LEGACY_STATUS
ENUM_CHOICES["security_resolved_reason"] = RESOLVED_REASONS


class CaseUpdateTitleAttributes(msgspec.Struct, frozen=True):
    title: Title


class CaseUpdateTitle(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateTitleAttributes


class CaseUpdateTitleRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateTitle


class CaseUpdateDescriptionAttributes(msgspec.Struct, frozen=True):
    description: Description


class CaseUpdateDescription(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateDescriptionAttributes


class CaseUpdateDescriptionRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateDescription


class CaseUpdatePriorityAttributes(msgspec.Struct, frozen=True):
    priority: Priority


class CaseUpdatePriority(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdatePriorityAttributes


class CaseUpdatePriorityRequest(msgspec.Struct, frozen=True):
    data: CaseUpdatePriority


class CaseUpdateStatusAttributes(msgspec.Struct, frozen=True):
    status_name: ShortName | None = None
    status: LegacyStatus | None = None  # deprecated in the spec, still accepted


class CaseUpdateStatus(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateStatusAttributes


class CaseUpdateStatusRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateStatus


DueDate = Annotated[str, Meta(max_length=10, extra_json_schema={"format": "date"})]


class CaseUpdateDueDateAttributes(msgspec.Struct, frozen=True):
    due_date: DueDate | None  # YYYY-MM-DD; null clears it (required, but may be null)


class CaseUpdateDueDate(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateDueDateAttributes


class CaseUpdateDueDateRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateDueDate


class CaseUpdateResolvedReasonAttributes(msgspec.Struct, frozen=True):
    security_resolved_reason: ResolvedReason


class CaseUpdateResolvedReason(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateResolvedReasonAttributes


class CaseUpdateResolvedReasonRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateResolvedReason


class CaseUpdateAttributesAttributes(msgspec.Struct, frozen=True):
    # Checked by the service (key -> list of strings), whose errors point at the exact key.
    attributes: Annotated[dict[str, Any], documented(max_properties=ATTRIBUTE_KEYS_MAX)]


class CaseUpdateAttributes(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateAttributesAttributes


class CaseUpdateAttributesRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateAttributes


class CaseAssignAttributes(msgspec.Struct, frozen=True):
    assignee_id: Uuid


class CaseAssign(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseAssignAttributes


class CaseAssignRequest(msgspec.Struct, frozen=True):
    data: CaseAssign


class ProjectRelationshipData(msgspec.Struct, frozen=True):
    id: Uuid
    type: Literal["project"]


class ProjectRelationshipRequest(msgspec.Struct, frozen=True):
    """MoveCaseToProject's body: the spec's ProjectRelationship, with `data.type` required."""

    data: ProjectRelationshipData
