"""The case page, /cases/{key}, and the forms on it (POST /cases/{key}/{action})."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from opencase.case.edits import (
    assign_case,
    unassign_case,
    update_description,
    update_priority,
    update_status,
    update_title,
)
from opencase.case.models import PRIORITIES, Insight
from opencase.case.service import find_case, get_case
from opencase.case_type.builtin import DEFAULT_STATUSES
from opencase.case_type.service import find_case_type
from opencase.core.errors import InvalidInput
from opencase.custom_attribute.service import list_configs
from opencase.identity import sql as identity_sql
from opencase.identity.service import user_from_row
from opencase.insight.models import REF_MAX, RESOURCE_ID_MAX, TYPES
from opencase.insight.service import add_insights, remove_insights
from opencase.link.models import RELATIONSHIPS, Relationship
from opencase.link.service import create_link, delete_link, list_links
from opencase.timeline.service import comment_case, list_timeline
from opencase.ui import sql
from opencase.ui.common import uuid_or_404
from opencase.ui.web import Done, Page, PageRoute, Reply
from opencase.watcher.service import list_watchers, unwatch_case, watch_case

TIMELINE_SHOWN = 200  # newest events; the API pages through the rest
# Insights shown unless `?insights=all`: a case may hold 10,000, and each costs ~300 bytes.
INSIGHTS_SHOWN = 100


async def case_page(page: Page) -> Reply:
    """GET /cases/{key}."""
    who, db = page.who, page.db
    view = await get_case(db=db, who=who, ref=page.params["key"])
    case = view.case
    timeline = await list_timeline(
        db=db, who=who, case_ref=case.id, page_number=0, page_size=TIMELINE_SHOWN, ascending=False
    )
    watchers = await list_watchers(db=db, who=who, case_ref=case.id)
    links = await list_links(
        db=db, who=who, entity_type="CASE", entity_id=case.id, relationship=None
    )
    configs = await list_configs(db=db, who=who, type_id=case.type_id)
    async with db.snapshot() as conn:
        users = [user_from_row(r) for r in await conn.fetch(identity_sql.LIST_USERS, who.org_id)]
        case_type = await find_case_type(conn, who.org_id, case.type_id)
        ends = [i for link in links for i in link.case_ids() if i != case.id]
        keys = await sql.case_keys(conn, who.org_id, ends)
    ordered = sorted(view.insights, key=lambda i: (TYPES.index(i.type), i.resource_id))
    if page.arg("insights") != "all":
        ordered = ordered[:INSIGHTS_SHOWN]
    grouped: dict[str, list[Insight]] = {}
    for insight in ordered:
        grouped.setdefault(insight.type, []).append(insight)
    everyone = {u.id: u for u in users} | view.users | timeline.users
    return page.render(
        "case.html",
        nav="cases",
        case=case,
        case_type=case_type,
        grouped=grouped,
        insight_count=len(view.insights),
        insights_shown=len(ordered),
        users=users,
        everyone=everyone,
        cells=list(reversed(timeline.cells)),  # oldest first, ending with the newest
        watchers=watchers,
        watching=any(w.user.id == who.user_id for w in watchers),
        links=links,
        keys=keys,
        configs={c.key: c for c in configs},
        statuses=DEFAULT_STATUSES,
        priorities=PRIORITIES,
        insight_types=TYPES,
        relationships=RELATIONSHIPS,
        base_url=page.state.settings.insight_base_url,
    )


def _insight(page: Page, *, with_ref: bool) -> Insight:
    """The insight a form names: type, resource id and ref fields, or (a Remove button) one
    `insight` field holding "TYPE RESOURCE_ID"."""
    kind, resource_id = page.field("type"), page.field("resource_id").strip()
    if page.field("insight"):
        kind, _, resource_id = page.field("insight").partition(" ")
    ref = page.field("ref").strip() if with_ref else ""
    if kind not in TYPES:
        raise InvalidInput(f"unknown insight type {kind!r}")
    if not 1 <= len(resource_id) <= RESOURCE_ID_MAX:
        raise InvalidInput(f"a resource id has 1 to {RESOURCE_ID_MAX} characters")
    if with_ref and not 1 <= len(ref) <= REF_MAX:
        raise InvalidInput(f"a ref has 1 to {REF_MAX} characters")
    return Insight(kind, ref, resource_id)


async def _status(page: Page, key: str) -> None:
    await update_status(
        db=page.db, who=page.who, ref=key, status_name=page.field("status"), status=None
    )


async def _priority(page: Page, key: str) -> None:
    await update_priority(db=page.db, who=page.who, ref=key, priority=page.field("priority"))


async def _assignee(page: Page, key: str) -> None:
    if page.field("assignee"):
        await assign_case(db=page.db, who=page.who, ref=key, assignee_id=page.field("assignee"))
    else:
        await unassign_case(db=page.db, who=page.who, ref=key)


async def _title(page: Page, key: str) -> None:
    await update_title(db=page.db, who=page.who, ref=key, title=page.field("title"))


async def _description(page: Page, key: str) -> None:
    text = page.field("description").replace("\r\n", "\n")
    await update_description(db=page.db, who=page.who, ref=key, description=text)


async def _comment(page: Page, key: str) -> None:
    message = page.field("message").replace("\r\n", "\n")
    await comment_case(db=page.db, who=page.who, case_ref=key, message=message)


async def _add_insight(page: Page, key: str) -> None:
    await add_insights(
        db=page.db, who=page.who, case_ref=key, insights=[_insight(page, with_ref=True)]
    )


async def _remove_insight(page: Page, key: str) -> None:
    await remove_insights(
        db=page.db, who=page.who, case_ref=key, insights=[_insight(page, with_ref=False)]
    )


async def _watch(page: Page, key: str) -> None:
    await watch_case(db=page.db, who=page.who, case_ref=key, user_id=page.who.user_id)


async def _unwatch(page: Page, key: str) -> None:
    await unwatch_case(db=page.db, who=page.who, case_ref=key, user_id=page.who.user_id)


async def _link(page: Page, key: str) -> None:
    relationship = page.field("relationship")
    if relationship not in RELATIONSHIPS:
        raise InvalidInput(f"unknown relationship {relationship!r}")
    other = page.field("other").strip()
    async with page.db.snapshot() as conn:
        here = await find_case(conn, page.who.org_id, key)
        there = await find_case(conn, page.who.org_id, other)
    rel: Relationship = relationship
    await create_link(
        db=page.db,
        who=page.who,
        parent_entity_type="CASE",
        parent_entity_id=here.id,
        child_entity_type="CASE",
        child_entity_id=there.id,
        relationship=rel,
    )


async def _unlink(page: Page, key: str) -> None:
    await delete_link(db=page.db, who=page.who, link_id=uuid_or_404(page.field("link"), "link"))


ACTIONS: dict[str, Callable[[Page, str], Awaitable[None]]] = {
    "status": _status,
    "priority": _priority,
    "assignee": _assignee,
    "title": _title,
    "description": _description,
    "comment": _comment,
    "insights/add": _add_insight,
    "insights/remove": _remove_insight,
    "watch": _watch,
    "unwatch": _unwatch,
    "links/add": _link,
    "links/remove": _unlink,
}


def _action(name: str) -> PageRoute:
    async def handle(page: Page) -> Reply:
        key = page.params["key"]
        await ACTIONS[name](page, key)
        return Done(f"/cases/{key}")

    return PageRoute("POST", f"/cases/{{key}}/{name}", handle)


ROUTES = [PageRoute("GET", "/cases/{key}", case_page), *(_action(name) for name in ACTIONS)]
