"""BulkUpdateCases' request body, as Datadog's spec names it (CaseBulkUpdateRequest)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from opencase.bulk.service import ACTIONS, MAX_CASES
from opencase.http.fields import CaseRef, documented

# A plain string on the wire, checked by the service: msgspec's enum errors would be worded by
# ENUM_CHOICES["attributes/type"], which belongs to custom attribute configs (URL, TEXT, …).
BulkAction = Annotated[
    str,
    Meta(
        description="The action to apply to every case.",
        extra_json_schema={"enum": list(ACTIONS)},
    ),
]

PAYLOAD_KEYS_MAX = 16  # an action takes one or two keys


class CaseBulkUpdateRequestAttributes(msgspec.Struct, frozen=True):
    case_ids: Annotated[list[CaseRef], documented(min_items=1, max_items=MAX_CASES)]
    type: BulkAction
    # String values, as the spec says; checked by the service, whose errors name the key.
    payload: Annotated[dict[str, Any], Meta(max_length=PAYLOAD_KEYS_MAX)] | None = None


class CaseBulkUpdateRequestData(msgspec.Struct, frozen=True):
    type: Literal["bulk"]
    attributes: CaseBulkUpdateRequestAttributes


class CaseBulkUpdateRequest(msgspec.Struct, frozen=True):
    data: CaseBulkUpdateRequestData
