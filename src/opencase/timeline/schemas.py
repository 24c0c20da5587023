"""Comments and timeline cells on the wire (CaseCommentRequest, TimelineResponse).

A comment cell is exactly what Datadog sends: `type` `COMMENT`, `cell_content` `{"message"}`
and the undocumented `content`, the JSON text of `cell_content`. Every other event of the case
record becomes a cell whose `type` is its action upper-cased with `.` turned into `_`
(`case.status_updated` -> `CASE_STATUS_UPDATED`) and whose `cell_content` is
`{"message": <one-line summary>, "action": <action>, "details": <what changed>}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from opencase.case.models import PRIORITIES
from opencase.case_type.builtin import LEGACY_STATUS
from opencase.core.clock import rfc3339, rfc3339_opt
from opencase.identity.models import User
from opencase.timeline.models import (
    COMMENT,
    COMMENT_DELETED,
    COMMENT_MAX,
    COMMENT_UPDATED,
    Cell,
    Timeline,
)

_encode = msgspec.json.Encoder().encode

Comment = Annotated[str, Meta(min_length=1, max_length=COMMENT_MAX)]


class CaseCommentAttributes(msgspec.Struct, frozen=True):
    comment: Comment


class CaseComment(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseCommentAttributes


class CaseCommentRequest(msgspec.Struct, frozen=True):
    data: CaseComment


class CaseUpdateCommentAttributes(msgspec.Struct, frozen=True):
    comment: Comment


class CaseUpdateComment(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseUpdateCommentAttributes


class CaseUpdateCommentRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateComment


class TimelineCellAuthorUserContent(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    email: str | None = None
    handle: str | None = None
    name: str | None = None
    active: bool | None = None


class TimelineCellAuthor(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["USER"] = "USER"
    content: TimelineCellAuthorUserContent


class TimelineCell(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    author: TimelineCellAuthor
    cell_content: dict[str, Any]
    content: str | None = None  # comments only, as the real server sends it
    created_at: str
    modified_at: str | None = None
    type: str


class TimelineCellResource(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    type: Literal["timeline_cell"] = "timeline_cell"
    attributes: TimelineCell


class TimelineResponse(msgspec.Struct, frozen=True):
    data: list[TimelineCellResource]


# --------------------------------------------------------------------------- event details


Summary = Callable[[dict[str, Any], dict[str, User]], str]
# Maps whose member names are the user's (attribute keys), not fields to interpret.
_OPAQUE = frozenset({"attributes", "custom_attributes"})


def _wire(key: str, value: Any) -> Any:
    """A stored detail value as clients read it: priorities and statuses by name, times in
    RFC 3339 (the record stores indexes and microseconds)."""
    if key in _OPAQUE:
        return value
    if isinstance(value, dict):
        if value and set(value) <= {"from", "to"}:
            return {k: _wire(key, v) for k, v in value.items()}
        return {k: _wire(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(key, v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        if key == "priority" and 0 <= value < len(PRIORITIES):
            return PRIORITIES[value]
        if key == "status" and 0 <= value < len(LEGACY_STATUS):
            return LEGACY_STATUS[value]
        if key.endswith("_at"):
            try:
                return rfc3339(value)
            except (OverflowError, OSError, ValueError):
                return value
    return value


def _change(details: dict[str, Any], key: str) -> tuple[Any, Any]:
    value = details.get(key)
    if isinstance(value, dict):
        return _wire(key, value.get("from")), _wire(key, value.get("to"))
    return None, None


def _user(users: dict[str, User], user_id: Any) -> str:
    user = users.get(user_id) if isinstance(user_id, str) else None
    if user is None:
        return str(user_id)
    return user.name or user.handle or user.email


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(details: dict[str, Any], key: str) -> int:
    value = details.get(key)
    return len(value) if isinstance(value, list) else 0


def _insights_added(d: dict[str, Any], users: dict[str, User]) -> str:
    added, updated = _count(d, "added"), _count(d, "updated")
    if added and updated:
        return f"{_plural(added, 'insight')} added, {updated} updated"
    if updated:
        return f"{_plural(updated, 'insight')} updated"
    return f"{_plural(added, 'insight')} added"


def _custom(verb: str) -> Summary:
    def summary(d: dict[str, Any], users: dict[str, User]) -> str:
        before, after = _change(d, "custom_attributes")
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        return f"Custom attribute {', '.join(keys)} {verb}" if keys else f"Custom attribute {verb}"

    return summary


def _link(verb: str) -> Summary:
    def summary(d: dict[str, Any], users: dict[str, User]) -> str:
        relationship = d.get("relationship")
        return f"Link {verb} ({relationship})" if relationship else f"Link {verb}"

    return summary


def _set_or_cleared(label: str, key: str) -> Summary:
    def summary(d: dict[str, Any], users: dict[str, User]) -> str:
        to = _change(d, key)[1]
        return f"{label} set to {to}" if to is not None else f"{label} cleared"

    return summary


def _from_to(label: str, key: str) -> Summary:
    def summary(d: dict[str, Any], users: dict[str, User]) -> str:
        before, after = _change(d, key)
        return f"{label} changed from {before} to {after}"

    return summary


SUMMARIES: dict[str, Summary] = {
    "case.created": lambda d, u: f"Case {d['key']} created" if d.get("key") else "Case created",
    "insights.added": _insights_added,
    "insights.removed": lambda d, u: f"{_plural(_count(d, 'removed'), 'insight')} removed",
    "case.archived": lambda d, u: "Case archived",
    "case.unarchived": lambda d, u: "Case unarchived",
    "case.title_updated": lambda d, u: f'Title changed to "{_change(d, "title")[1]}"',
    "case.description_updated": lambda d, u: "Description changed",
    "case.priority_updated": _from_to("Priority", "priority"),
    "case.status_updated": _from_to("Status", "status_name"),
    "case.due_date_updated": _set_or_cleared("Due date", "due_date"),
    "case.resolved_reason_updated": _set_or_cleared("Resolved reason", "resolved_reason"),
    "case.attributes_updated": lambda d, u: "Attributes changed",
    "case.assigned": lambda d, u: f"Assigned to {_user(u, _change(d, 'assignee_id')[1])}",
    "case.unassigned": lambda d, u: "Unassigned",
    "case.moved": lambda d, u: "Moved from {} to {}".format(*_change(d, "key")),
    "case.custom_attribute_updated": _custom("changed"),
    "case.custom_attribute_deleted": _custom("removed"),
    COMMENT_UPDATED: lambda d, u: "Comment edited",
    COMMENT_DELETED: lambda d, u: "Comment deleted",
    "case.watched": lambda d, u: f"{_user(u, d.get('user_id'))} started watching",
    "case.unwatched": lambda d, u: f"{_user(u, d.get('user_id'))} stopped watching",
    "case.linked": _link("added"),
    "case.unlinked": _link("removed"),
    # What the outbox did (opencase.outbox, opencase.integration):
    "case.delivery": lambda d, u: "{event} to {target}: {state} after {attempts} tries".format(
        **{"event": "", "target": "", "state": "", "attempts": 0, **d}
    ),
    "case.agent_assigned": lambda d, u: f"Assigned to agent {d.get('assigned_agent_id')}",
    "case.jira_issue_requested": lambda d, u: "Jira issue requested",
    "case.jira_issue_created": lambda d, u: f"Jira issue {d.get('issue_key')} created",
    "case.jira_issue_linked": lambda d, u: f"Jira issue {d.get('issue_key')} linked",
    "case.jira_issue_unlinked": lambda d, u: f"Jira issue {d.get('issue_key')} unlinked",
    "case.service_now_ticket_requested": lambda d, u: "ServiceNow ticket requested",
    "case.service_now_ticket_created": lambda d, u: "ServiceNow ticket created",
}
# What the wire shows of an event's details when not all of them (the text a comment had
# before an edit stays in the record only).
_SHOWN: dict[str, tuple[str, ...]] = {COMMENT_UPDATED: ("cell_id",), COMMENT_DELETED: ("cell_id",)}


def cell_type(action: str) -> str:
    """The cell `type` of an event: `COMMENT`, or its action as `CASE_STATUS_UPDATED`."""
    return "COMMENT" if action == COMMENT else action.upper().replace(".", "_")


def _event_content(cell: Cell, users: dict[str, User]) -> dict[str, Any]:
    details = cell.details
    shown = _SHOWN.get(cell.action)
    if shown is not None:
        details = {k: v for k, v in details.items() if k in shown}
    summary = SUMMARIES.get(cell.action)
    return {
        "message": summary(details, users) if summary else cell.action,
        "action": cell.action,
        "details": _wire("", details),
    }


def _author(users: dict[str, User], user_id: str) -> TimelineCellAuthor:
    user = users.get(user_id)
    if user is None:
        return TimelineCellAuthor(content=TimelineCellAuthorUserContent(id=user_id))
    return TimelineCellAuthor(
        content=TimelineCellAuthorUserContent(
            id=user.id, email=user.email, handle=user.handle, name=user.name, active=user.active
        )
    )


def cell_resource(cell: Cell, users: dict[str, User]) -> TimelineCellResource:
    if cell.action == COMMENT:
        content: dict[str, Any] = {"message": cell.details.get("message", "")}
        text: str | None = _encode(content).decode()
    else:
        content, text = _event_content(cell, users), None
    return TimelineCellResource(
        id=cell.id,
        attributes=TimelineCell(
            author=_author(users, cell.author_id),
            cell_content=content,
            content=text,
            created_at=rfc3339(cell.created_at),
            modified_at=rfc3339_opt(cell.modified_at),
            type=cell_type(cell.action),
        ),
    )


def timeline_response(timeline: Timeline) -> TimelineResponse:
    return TimelineResponse([cell_resource(c, timeline.users) for c in timeline.cells])
