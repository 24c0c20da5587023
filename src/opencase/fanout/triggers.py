"""Which triggers a change fires: a case event (action, details) read as facts that automation
and notification rules match their triggers against.

- `case.created` fires CASE_CREATED (delivery event `case.created`).
- A change of `status` or `status_name` fires STATUS_TRANSITIONED (`case.status_changed`),
  with the status group (OPEN, IN_PROGRESS, CLOSED) and name before and after.
- A change of priority, assignee, title, description, due_date, resolved_reason, of one key
  of `attributes` or of one custom attribute fires ATTRIBUTE_VALUE_CHANGED
  (`case.attribute_changed`) once per field, named `priority`, `assignee`, `title`, ...,
  the attribute's key, or the custom attribute's key. It was `added` (values appeared, or a
  value was set where there was none), `removed` (values went, or the value was cleared), or
  both; every change is also `changed`.
- A comment fires COMMENT_ADDED (`case.comment_added`).
- Insights of type EVENT_CORRELATION added to a case fire EVENT_CORRELATION_SIGNAL_CORRELATED
  (`case.signal_correlated`): that is how a correlated signal reaches a case in opencase.
- CASE_REVIEW_APPROVED is accepted on rules and stored, but nothing in opencase fires it yet:
  opencase has no case reviews.
Other events (archive, move, links, watchers, comment edits) fire nothing.
"""

from __future__ import annotations

from typing import Any

import msgspec

STATUS_GROUPS = ("OPEN", "IN_PROGRESS", "CLOSED")
_FIELDS = {
    "priority": "priority",
    "assignee_id": "assignee",
    "title": "title",
    "description": "description",
    "due_date": "due_date",
    "resolved_reason": "resolved_reason",
}
_AUTOMATION_CHANGE = {"VALUE_ADDED": "added", "VALUE_DELETED": "removed", "ANY_CHANGES": "changed"}


class Fact(msgspec.Struct, frozen=True):
    trigger: str  # the trigger type it fires
    event: str  # the deliveries' event name
    data: dict[str, Any] = {}  # what rules match on; also sent in the delivery's `change`


def _values(value: Any) -> set[str]:
    if value is None or value == "" or value == []:
        return set()
    if isinstance(value, list):
        return {str(v) for v in value}
    if isinstance(value, dict) and "value" in value:  # a custom attribute's stored value
        return _values(value["value"])
    return {str(value)}


def _field(name: str, before: Any, after: Any) -> Fact:
    old, new = _values(before), _values(after)
    kinds = ["changed"]
    if new - old:
        kinds.append("added")
    if old - new:
        kinds.append("removed")
    data = {"field": name, "change_types": kinds, "from": before, "to": after}
    return Fact("ATTRIBUTE_VALUE_CHANGED", "case.attribute_changed", data)


def _status(details: dict[str, Any], status_now: int | None) -> Fact:
    group = details.get("status", {"from": status_now, "to": status_now})
    name = details.get("status_name", {"from": None, "to": None})
    data = {
        "from_status": None if group["from"] is None else STATUS_GROUPS[group["from"]],
        "to_status": None if group["to"] is None else STATUS_GROUPS[group["to"]],
        "from_status_name": name["from"],
        "to_status_name": name["to"],
    }
    return Fact("STATUS_TRANSITIONED", "case.status_changed", data)


def _maps(before: dict[str, Any], after: dict[str, Any]) -> list[Fact]:
    keys = sorted(set(before) | set(after))
    return [
        _field(key, before.get(key), after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    ]


def facts(action: str, details: dict[str, Any], *, status_now: int | None) -> list[Fact]:
    """The facts of one case event (none: it fires nothing). `status_now`, the case's status
    group, fills in a status change that kept its group (None: not known yet)."""
    if action == "case.created":
        return [Fact("CASE_CREATED", "case.created")]
    if action == "comment":
        return [Fact("COMMENT_ADDED", "case.comment_added")]
    if action == "insights.added":
        added = [i for i in details.get("added", []) if i.get("type") == "EVENT_CORRELATION"]
        if not added:
            return []
        data = {"insights": added}
        return [Fact("EVENT_CORRELATION_SIGNAL_CORRELATED", "case.signal_correlated", data)]
    if not action.startswith("case.") or action in ("case.moved", "case.archived"):
        return []
    found: list[Fact] = []
    if "status" in details or "status_name" in details:
        found.append(_status(details, status_now))
    for column, change in details.items():
        if not isinstance(change, dict) or set(change) != {"from", "to"}:
            continue
        if column in _FIELDS:
            found.append(_field(_FIELDS[column], change["from"], change["to"]))
        elif column in ("attributes", "custom_attributes"):
            found.extend(_maps(change["from"] or {}, change["to"] or {}))
    return found


def _status_matches(data: dict[str, str], fact: Fact) -> bool:
    for key in ("from_status", "to_status"):
        if data.get(key) and data[key].upper() != (fact.data[key] or ""):
            return False
    for key in ("from_status_name", "to_status_name"):
        wanted, got = data.get(key), fact.data[key]
        if wanted and (got is None or wanted.casefold() != str(got).casefold()):
            return False
    return True


def _field_matches(data: dict[str, str], fact: Fact, change_type: str) -> bool:
    field = data.get("field", "")
    name = fact.data["field"]
    if field.casefold() not in {name.casefold(), f"attributes.{name}".casefold(),
                                f"custom_attributes.{name}".casefold()}:  # fmt: skip
        return False
    return change_type in fact.data["change_types"]


def fires(trigger_type: str, data: dict[str, str], fact: Fact, *, automation: bool) -> bool:
    """Whether a rule's trigger (type and data) fires on a fact. Automation rules name change
    types VALUE_ADDED / VALUE_DELETED / ANY_CHANGES, notification rules added / removed /
    changed; absent means any change."""
    if trigger_type != fact.trigger:
        return False
    if fact.trigger == "STATUS_TRANSITIONED":
        return _status_matches(data, fact)
    if fact.trigger == "ATTRIBUTE_VALUE_CHANGED":
        wanted = data.get("change_type") or ("ANY_CHANGES" if automation else "changed")
        change_type = _AUTOMATION_CHANGE.get(wanted, "") if automation else wanted.lower()
        return _field_matches(data, fact, change_type)
    return True
