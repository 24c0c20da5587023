"""Bulk update: one action applied to many cases in one transaction (BulkUpdateCases).

- `case_ids` holds 1 to 1,000 entries (more, or none: 400 at `/data/attributes/case_ids`), each
  what GET /api/v2/cases/{case_id} accepts: the case's UUID or any key it has had, in any case
  (anything else: 400 at `/data/attributes/case_ids/<i>`). Entries naming the same case, by the
  same or another of its names, collapse into one.
- Actions and their payload keys (values are strings; other keys are ignored):
  `priority` (`priority`: P1-P5 or NOT_DEFINED), `status` (`status_name` and/or the deprecated
  `status`, exactly as UpdateStatus), `assign` (`assignee_id`), `unassign`, `archive`,
  `unarchive`, `update_project` (`project_id`). `jira`, `servicenow` and `linear` are refused
  (400 at `/data/attributes/type`, not supported yet). A missing or invalid payload value is a
  400 at `/data/attributes/payload/<key>`.
- Every case is changed by the very code of the single-case operation (`apply_edit` and the
  `apply_*` functions of case.service and case.edits): same validation, same event, same
  `modified_at` handling. A case already in the requested state is left alone: no write, no
  event.
- All or nothing, in one transaction, checked in this order: the request (action, case_ids,
  payload; 400); the cases, locked in ascending id order (unknown ones, or another
  organisation's: 404 naming every such entry); for every action but archive and unarchive, no
  case may be archived (400 naming the case, as the single-case edit refuses); the assignee or
  destination project (404 `user not found` / `project not found`); then the edits. A refusal
  changes nothing at all.
- Lock order, as everywhere: case rows first, in ascending id order, then a project row (a move
  numbers the case in its destination project). Two bulk requests over overlapping cases so wait
  on each other and cannot deadlock on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from opencase.bulk import sql
from opencase.case import edits
from opencase.case.models import Case
from opencase.case.service import (
    apply_archive,
    apply_unarchive,
    case_from_row,
    check_user,
    ensure_not_archived,
    parse_case_ref,
)
from opencase.core.db import Connection, Database
from opencase.core.errors import DomainError, InvalidInput, NotFound
from opencase.identity.models import Principal

MAX_CASES = 1000
ACTIONS = (
    "priority",
    "status",
    "assign",
    "unassign",
    "archive",
    "unarchive",
    "jira",
    "servicenow",
    "linear",
    "update_project",
)
UNSUPPORTED = ("jira", "servicenow", "linear")

_TYPE = "/data/attributes/type"
_CASE_IDS = "/data/attributes/case_ids"
_PAYLOAD = "/data/attributes/payload"

Apply = Callable[[Connection, Case], Awaitable[Case]]
Ref = tuple[str, str]  # ("id", uuid) or ("key", KEY-N), as parse_case_ref gives it


class CasesNotFound(NotFound):
    """Entries of `case_ids` that name no case of the caller's organisation (404)."""

    def __init__(self, refs: list[str]) -> None:
        super().__init__("case")
        self.refs = refs


class CaseRefused(DomainError):
    """One case refused the edit: the status and reason of the single-case refusal."""

    def __init__(self, case: Case, index: int, exc: DomainError) -> None:
        super().__init__(f"case {case.id}: {exc.detail}", pointer=f"{_CASE_IDS}/{index}")
        self.status = exc.status


@dataclass(frozen=True)
class _Plan:
    apply: Apply
    refuses_archived: bool = True
    assignee_id: str | None = None  # to check in the transaction, once


def _optional(payload: dict[str, Any], key: str) -> str | None:
    """payload[key] if given (null counts as not given); 400 at its pointer if not a string."""
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"payload.{key} must be a string", pointer=f"{_PAYLOAD}/{key}")
    return value


def _required(payload: dict[str, Any], key: str, action: str) -> str:
    """payload[key], a string; else 400 at its pointer."""
    value = _optional(payload, key)
    if value is None:
        raise InvalidInput(
            f"payload.{key} is required for the {action} action", pointer=f"{_PAYLOAD}/{key}"
        )
    return value


def _plan(who: Principal, action: str, payload: dict[str, Any]) -> _Plan:
    """The per-case edit of an action, its payload validated as the single-case operation does."""
    if action == "priority":
        pointer = f"{_PAYLOAD}/priority"
        priority = edits.check_priority(_required(payload, "priority", action), pointer=pointer)
        return _Plan(
            lambda conn, case: edits.apply_priority(conn, who=who, case=case, priority=priority)
        )
    if action == "status":
        status = edits.resolve_status(
            _optional(payload, "status_name"), _optional(payload, "status"), prefix=_PAYLOAD
        )
        return _Plan(lambda conn, case: edits.apply_status(conn, who=who, case=case, status=status))
    if action == "assign":
        pointer = f"{_PAYLOAD}/assignee_id"
        user = edits.check_assignee_id(_required(payload, "assignee_id", action), pointer=pointer)
        return _Plan(
            lambda conn, case: edits.apply_assign(conn, who=who, case=case, assignee_id=user),
            assignee_id=user,
        )
    if action == "unassign":
        return _Plan(lambda conn, case: edits.apply_unassign(conn, who=who, case=case))
    if action == "archive":
        return _Plan(lambda conn, case: apply_archive(conn, who=who, case=case), False)
    if action == "unarchive":
        return _Plan(lambda conn, case: apply_unarchive(conn, who=who, case=case), False)
    pointer = f"{_PAYLOAD}/project_id"
    project = edits.check_project_id(_required(payload, "project_id", action), pointer=pointer)
    return _Plan(lambda conn, case: edits.apply_move(conn, who=who, case=case, project_id=project))


def _parse_refs(case_ids: list[str]) -> dict[Ref, int]:
    """Each distinct case reference of `case_ids`, with the index of its first entry; else 400."""
    if not case_ids or len(case_ids) > MAX_CASES:
        raise InvalidInput(
            f"case_ids must hold 1 to {MAX_CASES:,} case ids, not {len(case_ids):,}",
            pointer=_CASE_IDS,
        )
    refs: dict[Ref, int] = {}
    for index, ref in enumerate(case_ids):
        try:
            parsed = parse_case_ref(ref)
        except InvalidInput:
            raise InvalidInput(
                f"{ref!r} is not a case UUID or key such as SEC-12",
                pointer=f"{_CASE_IDS}/{index}",
            ) from None
        refs.setdefault(parsed, index)
    return refs


async def _lock(
    conn: Connection, org_id: str, refs: dict[Ref, int], case_ids: list[str]
) -> list[tuple[Case, int]]:
    """The named cases, locked in ascending id order, each with the index of its first entry;
    404 naming every entry that is not a case of the organisation."""
    keys = [value for kind, value in refs if kind == "key"]
    by_key: dict[str, str] = {}
    if keys:
        rows = await conn.fetch(sql.case_ids_of_keys(len(keys)), org_id, *keys)
        by_key = {row["key"]: str(row["case_id"]) for row in rows}
    wanted = {value if kind == "id" else by_key.get(value) for kind, value in refs}
    ids = sorted(i for i in wanted if i is not None)
    rows = await conn.fetch(sql.lock_cases(len(ids)), org_id, *ids) if ids else []
    found = {case.id: case for case in map(case_from_row, rows)}
    first: dict[str, int] = {}
    missing: list[str] = []
    for (kind, value), index in refs.items():
        case_id = value if kind == "id" else by_key.get(value)
        if case_id is None or case_id not in found:
            missing.append(case_ids[index])
        else:
            first.setdefault(case_id, index)
    if missing:
        raise CasesNotFound(missing)
    return [(case, first[case.id]) for case in found.values()]


async def bulk_update(
    *, db: Database, who: Principal, case_ids: list[str], action: str, payload: dict[str, Any]
) -> list[Case]:
    """Apply one action to up to 1,000 cases, all or nothing; the cases after, in request order."""
    if action not in ACTIONS:
        raise InvalidInput(
            f"invalid type {action}. Must be one of {', '.join(ACTIONS)}", pointer=_TYPE
        )
    if action in UNSUPPORTED:
        raise InvalidInput(f"bulk action {action} is not supported yet", pointer=_TYPE)
    refs = _parse_refs(case_ids)
    plan = _plan(who, action, payload)
    async with db.transaction() as conn:
        locked = await _lock(conn, who.org_id, refs, case_ids)
        if plan.refuses_archived:
            for case, index in sorted(locked, key=lambda pair: pair[1]):
                try:
                    ensure_not_archived(case)
                except DomainError as exc:
                    raise CaseRefused(case, index, exc) from None
        if plan.assignee_id is not None:
            await check_user(conn, who.org_id, plan.assignee_id, f"{_PAYLOAD}/assignee_id")
        done: list[tuple[int, Case]] = []
        for case, index in locked:
            try:
                done.append((index, await plan.apply(conn, case)))
            except NotFound:
                raise  # the destination project: not this case's refusal
            except DomainError as exc:
                raise CaseRefused(case, index, exc) from None
    return [case for _, case in sorted(done, key=lambda pair: pair[0])]
