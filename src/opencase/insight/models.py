"""Insights: references to monitors, signals, incidents… attached to a case as evidence.

An insight's identity within a case is (type, resource_id); `ref` is its link and can change.
"""

from __future__ import annotations

from typing import Literal, get_args

# The insight types of the contract (CaseInsightType); msgspec validates against the Literal.
InsightType = Literal[
    "SECURITY_SIGNAL",
    "MONITOR",
    "EVENT_CORRELATION",
    "ERROR_TRACKING",
    "CLOUD_COST_RECOMMENDATION",
    "INCIDENT",
    "SENSITIVE_DATA_SCANNER_ISSUE",
    "EVENT",
    "WATCHDOG_STORY",
    "WIDGET",
    "SECURITY_FINDING",
    "INSIGHT_SCORECARD_CAMPAIGN",
    "RESOURCE_POLICY",
    "APM_RECOMMENDATION",
    "SCM_URL",
    "PROFILING_DOWNSIZING_EXPERIMENT",
]
TYPES: tuple[str, ...] = get_args(InsightType)
PER_REQUEST_MAX = 100
PER_CASE_MAX = 10_000
REF_MAX = 2048
RESOURCE_ID_MAX = 512
