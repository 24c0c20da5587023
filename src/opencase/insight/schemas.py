"""Insight requests on the wire: CaseInsightsRequest of Datadog's spec."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.http.errors import ENUM_CHOICES
from opencase.insight.models import (
    PER_REQUEST_MAX,
    REF_MAX,
    RESOURCE_ID_MAX,
    TYPES,
    InsightType,
)

ENUM_CHOICES["insights/type"] = TYPES


class CaseInsight(msgspec.Struct, frozen=True):
    type: InsightType
    ref: Annotated[str, Meta(min_length=1, max_length=REF_MAX)]
    resource_id: Annotated[str, Meta(min_length=1, max_length=RESOURCE_ID_MAX)]


class CaseInsightsAttributes(msgspec.Struct, frozen=True):
    insights: Annotated[list[CaseInsight], Meta(min_length=1, max_length=PER_REQUEST_MAX)]


class CaseInsightsData(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseInsightsAttributes


class CaseInsightsRequest(msgspec.Struct, frozen=True):
    data: CaseInsightsData
