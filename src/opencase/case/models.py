"""Cases as the domain sees them: plain values, no wire format."""

from __future__ import annotations

from typing import Any

import msgspec

from opencase.identity.models import User

TITLE_MAX = 500
DESCRIPTION_MAX = 65_536

PRIORITIES = ("NOT_DEFINED", "P1", "P2", "P3", "P4", "P5")  # stored as their index
CREATION_SOURCES = ("MANUAL",)


class Insight(msgspec.Struct, frozen=True):
    type: str
    ref: str
    resource_id: str


class Case(msgspec.Struct, frozen=True):
    id: str
    project_id: str
    number: int
    key: str
    public_id: int
    type_id: str
    title: str
    description: str
    priority: int
    status: int  # status group: 0 open, 1 in progress, 2 closed
    status_name: str
    attributes: dict[str, list[str]]
    custom_attributes: dict[str, Any]
    creation_source: str
    assignee_id: str | None
    created_by: str
    modified_by: str | None
    created_at: int
    modified_at: int | None
    closed_at: int | None
    archived_at: int | None
    due_date: str | None
    resolved_reason: str | None
    comment_count: int
    insight_count: int
    # {"jira_issue": {...}, "service_now_ticket": {...}} as the API shows them (integration)
    tickets: dict[str, Any] | None = None

    @property
    def version(self) -> int:
        """`modified_at`, or `created_at` when never modified: it names one state of the case
        (every change moves it forward, and every change to its insights changes the case)."""
        return self.modified_at or self.created_at

    @property
    def user_ids(self) -> list[str]:
        """The users the case names: creator, last modifier, assignee (each once)."""
        ids = [self.created_by, self.modified_by, self.assignee_id]
        return list(dict.fromkeys(i for i in ids if i is not None))


class CaseView(msgspec.Struct, frozen=True):
    """A case with what a reader sees beside it: its insights and the users it names."""

    case: Case
    insights: list[Insight]
    users: dict[str, User]
