"""ListCaseTimeline over HTTP on both engines, and the comment operations through the official
datadog-api-client."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from case_db import fetch
from conftest import Client, Keys, Server

from opencase.core.config import load_settings
from opencase.core.db import connect
from opencase.timeline import sql as timeline_sql

EMPTY = {"data": {"type": "case"}}


def body(text: str) -> dict[str, Any]:
    return {"data": {"type": "case", "attributes": {"comment": text}}}


def timeline(api: Client, case_id: str, **params: Any) -> list[dict[str, Any]]:
    r = api.get(f"/api/v2/cases/{case_id}/timelines", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/vnd.api+json")
    return r.json()["data"]


def types(cells: list[dict[str, Any]]) -> list[str]:
    return [c["attributes"]["type"] for c in cells]


def comment(api: Client, case_id: str, text: str) -> dict[str, Any]:
    r = api.post(f"/api/v2/cases/{case_id}/comment", json=body(text))
    assert r.status_code == 200, r.text
    return r.json()["data"][0]


def insights(items: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "data": {
            "type": "case",
            "attributes": {
                "insights": [{"type": t, "resource_id": r, "ref": ref} for t, r, ref in items]
            },
        }
    }


@pytest.fixture
def case(api: Client, project: dict[str, Any]) -> dict[str, Any]:
    return api.new_case(project["id"], "Timeline", priority="P3")


def test_new_case_shows_its_creation(api: Client, keys: Keys, case: dict[str, Any]) -> None:
    [cell] = timeline(api, case["id"])
    assert cell["type"] == "timeline_cell"
    attrs = cell["attributes"]
    assert attrs["type"] == "CASE_CREATED"
    assert attrs["created_at"] == case["attributes"]["created_at"]
    assert attrs["author"]["type"] == "USER"
    assert attrs["author"]["content"]["id"] == keys.user_id
    assert attrs["author"]["content"]["email"] == "alice@acme.test"
    assert "content" not in attrs  # only comment cells carry the real server's `content`
    key = case["attributes"]["key"]
    assert attrs["cell_content"] == {
        "message": f"Case {key} created",
        "action": "case.created",
        "details": {
            "key": key,
            "title": "Timeline",
            "priority": "P3",
            "status_name": "Open",
            "type_id": "00000000-0000-0000-0000-000000000001",
            "assignee_id": None,
        },
    }
    # By key, case-insensitively, too.
    assert timeline(api, key.lower()) == [cell]


def test_insights_added_and_removed(api: Client, case: dict[str, Any]) -> None:
    path = f"/api/v2/cases/{case['id']}/insights"
    r = api.put(path, json=insights([("MONITOR", "1", "/monitors/1"), ("INCIDENT", "7", "/i/7")]))
    assert r.status_code == 200, r.text
    r = api.put(path, json=insights([("MONITOR", "1", "/monitors/1?v=2")]))
    assert r.status_code == 200, r.text
    r = api.delete(path, json=insights([("INCIDENT", "7", "/i/7")]))
    assert r.status_code == 200, r.text
    cells = timeline(api, case["id"])
    assert types(cells) == ["INSIGHTS_REMOVED", "INSIGHTS_ADDED", "INSIGHTS_ADDED", "CASE_CREATED"]
    removed, updated, added = (c["attributes"]["cell_content"] for c in cells[:3])
    assert added == {
        "message": "2 insights added",
        "action": "insights.added",
        "details": {
            "added": [
                {"type": "MONITOR", "resource_id": "1", "ref": "/monitors/1"},
                {"type": "INCIDENT", "resource_id": "7", "ref": "/i/7"},
            ],
            "updated": [],
        },
    }
    assert updated["message"] == "1 insight updated"
    assert updated["details"]["updated"] == [
        {"type": "MONITOR", "resource_id": "1", "ref": "/monitors/1?v=2"}
    ]
    assert removed == {
        "message": "1 insight removed",
        "action": "insights.removed",
        "details": {"removed": [{"type": "INCIDENT", "resource_id": "7", "ref": "/i/7"}]},
    }


def test_edits_archiving_and_watching_are_rendered(
    api: Client, keys: Keys, case: dict[str, Any]
) -> None:
    cid = case["id"]
    steps = [
        (f"/api/v2/cases/{cid}/priority", {"priority": "P1"}),
        (f"/api/v2/cases/{cid}/status", {"status_name": "Closed"}),
        (f"/api/v2/cases/{cid}/title", {"title": "Renamed"}),
        (f"/api/v2/cases/{cid}/assign", {"assignee_id": keys.user_id}),
    ]
    for path, attributes in steps:
        r = api.post(path, json={"data": {"type": "case", "attributes": attributes}})
        assert r.status_code == 200, r.text
    assert api.post(f"/api/v2/cases/{cid}/watchers/{keys.user_id}").status_code == 201
    assert api.post(f"/api/v2/cases/{cid}/archive", json=EMPTY).status_code == 200
    assert api.post(f"/api/v2/cases/{cid}/unarchive", json=EMPTY).status_code == 200
    cells = timeline(api, cid, **{"sort[ascending]": "true"})
    assert types(cells) == [
        "CASE_CREATED",
        "CASE_PRIORITY_UPDATED",
        "CASE_STATUS_UPDATED",
        "CASE_TITLE_UPDATED",
        "CASE_ASSIGNED",
        "CASE_WATCHED",
        "CASE_ARCHIVED",
        "CASE_UNARCHIVED",
    ]
    content = {c["attributes"]["type"]: c["attributes"]["cell_content"] for c in cells}
    assert content["CASE_PRIORITY_UPDATED"] == {
        "message": "Priority changed from P3 to P1",
        "action": "case.priority_updated",
        "details": {"priority": {"from": "P3", "to": "P1"}},
    }
    status = content["CASE_STATUS_UPDATED"]
    assert status["message"] == "Status changed from Open to Closed"
    assert status["details"]["status"] == {"from": "OPEN", "to": "CLOSED"}
    assert status["details"]["status_name"] == {"from": "Open", "to": "Closed"}
    closed_at = status["details"]["closed_at"]
    assert closed_at["from"] is None
    assert closed_at["to"] == cells[2]["attributes"]["created_at"]  # RFC 3339, not microseconds
    assert content["CASE_TITLE_UPDATED"]["message"] == 'Title changed to "Renamed"'
    assert content["CASE_ASSIGNED"]["message"] == "Assigned to alice"
    assert content["CASE_WATCHED"]["message"] == "alice started watching"
    assert content["CASE_ARCHIVED"]["message"] == "Case archived"
    assert content["CASE_ARCHIVED"]["details"]["archived_at"]["to"].endswith("Z")
    assert content["CASE_UNARCHIVED"]["message"] == "Case unarchived"


def _write_event(server: Server, case_id: str, actor_id: str, action: str, details: Any) -> None:
    """Append an event the way a future writer would (straight into the record)."""

    async def run() -> None:
        db = await connect(load_settings(database_url=server.database_url, db_pool_size=1))
        try:
            async with db.transaction() as conn:
                org_id = await conn.fetchval("SELECT org_id FROM cases WHERE id = $1", case_id)
                now = await conn.fetchval(
                    "SELECT MAX(created_at) FROM case_events WHERE case_id = $1", case_id
                )
                await conn.execute(
                    "INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action,"
                    " details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    org_id,
                    case_id,
                    str(uuid.uuid4()),
                    now + 1,
                    actor_id,
                    action,
                    json.dumps(details),
                )
        finally:
            await db.close()

    asyncio.run(run())


def test_unknown_actions_render_generically(
    server: Server, api: Client, keys: Keys, case: dict[str, Any]
) -> None:
    details = {"widget": {"from": 1, "to": 2}, "seen_at": 0, "priority": 9, "tags": ["a"]}
    _write_event(server, case["id"], keys.user_id, "case.frobnicated", details)
    cell = timeline(api, case["id"])[0]
    assert cell["attributes"]["type"] == "CASE_FROBNICATED"
    assert cell["attributes"]["cell_content"] == {
        "message": "case.frobnicated",
        "action": "case.frobnicated",
        "details": {
            "widget": {"from": 1, "to": 2},
            "seen_at": "1970-01-01T00:00:00.000000Z",
            "priority": 9,  # not a known priority index: left as it is
            "tags": ["a"],
        },
    }


def test_custom_attribute_and_link_events(
    server: Server, api: Client, keys: Keys, case: dict[str, Any]
) -> None:
    """Rendered from the detail shapes their writers record."""
    cid, me = case["id"], keys.user_id
    team = {"type": "TEXT", "is_multi": False, "value": "blue"}
    _write_event(
        server,
        cid,
        me,
        "case.custom_attribute_updated",
        {"custom_attributes": {"from": {"priority": 3}, "to": {"priority": 3, "team": team}}},
    )
    _write_event(
        server,
        cid,
        me,
        "case.custom_attribute_deleted",
        {"custom_attributes": {"from": {"priority": 3, "team": team}, "to": {"team": team}}},
    )
    link = {
        "link_id": str(uuid.uuid4()),
        "relationship": "RELATES_TO",
        "parent_entity_type": "CASE",
        "parent_entity_id": cid,
        "child_entity_type": "CASE",
        "child_entity_id": str(uuid.uuid4()),
    }
    _write_event(server, cid, me, "case.linked", link)
    _write_event(server, cid, me, "case.unlinked", link)
    cells = timeline(api, cid, **{"sort[ascending]": "true"})[1:]
    assert types(cells) == [
        "CASE_CUSTOM_ATTRIBUTE_UPDATED",
        "CASE_CUSTOM_ATTRIBUTE_DELETED",
        "CASE_LINKED",
        "CASE_UNLINKED",
    ]
    updated, deleted, linked, unlinked = (c["attributes"]["cell_content"] for c in cells)
    assert updated["message"] == "Custom attribute team changed"
    # Attribute keys are the user's: a custom attribute named "priority" stays a number.
    assert updated["details"]["custom_attributes"]["to"] == {"priority": 3, "team": team}
    assert deleted["message"] == "Custom attribute priority removed"
    assert linked == {
        "message": "Link added (RELATES_TO)",
        "action": "case.linked",
        "details": link,
    }
    assert unlinked["message"] == "Link removed (RELATES_TO)"


def test_sort_order(api: Client, case: dict[str, Any]) -> None:
    for i in range(3):
        comment(api, case["id"], f"c{i}")
    newest_first = timeline(api, case["id"])
    assert types(newest_first) == ["COMMENT"] * 3 + ["CASE_CREATED"]
    messages = [c["attributes"]["cell_content"]["message"] for c in newest_first[:3]]
    assert messages == ["c2", "c1", "c0"]
    assert timeline(api, case["id"], **{"sort[ascending]": "false"}) == newest_first
    oldest_first = timeline(api, case["id"], **{"sort[ascending]": "true"})
    assert oldest_first == newest_first[::-1]
    assert timeline(api, case["id"], **{"sort[ascending]": "TRUE"}) == oldest_first
    stamps = [c["attributes"]["created_at"] for c in oldest_first]
    assert stamps == sorted(stamps)


def test_pages_are_zero_based(api: Client, case: dict[str, Any]) -> None:
    for i in range(4):
        comment(api, case["id"], f"c{i}")
    everything = timeline(api, case["id"], **{"sort[ascending]": "true"})
    assert len(everything) == 5
    pages = [
        timeline(api, case["id"], **{"page[size]": 2, "page[number]": n, "sort[ascending]": "true"})
        for n in range(4)
    ]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert [c for p in pages for c in p] == everything
    assert timeline(api, case["id"], **{"page[size]": 2}) == everything[::-1][:2]
    assert timeline(api, case["id"], **{"page[size]": 2, "page[number]": 0}) == everything[::-1][:2]


def test_default_page_size_is_100(api: Client, case: dict[str, Any]) -> None:
    for i in range(100):
        comment(api, case["id"], f"c{i}")
    first = timeline(api, case["id"])
    assert len(first) == 100
    assert first[0]["attributes"]["cell_content"]["message"] == "c99"
    rest = timeline(api, case["id"], **{"page[number]": 1})
    assert types(rest) == ["CASE_CREATED"]
    assert len(timeline(api, case["id"], **{"page[size]": 1000})) == 101


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page[size]", "0"),
        ("page[size]", "1001"),
        ("page[size]", "ten"),
        ("page[number]", "-1"),
        ("page[number]", "1.5"),
        ("sort[ascending]", "yes"),
    ],
)
def test_bad_query_parameters(api: Client, case: dict[str, Any], name: str, value: str) -> None:
    r = api.get(f"/api/v2/cases/{case['id']}/timelines", params={name: value})
    assert r.status_code == 400, r.text
    [error] = r.json()["errors"]
    assert error["status"] == "400"
    assert error["source"] == {"parameter": name}


def test_timeline_access(
    server: Server, api: Client, readonly_api: Client, case: dict[str, Any]
) -> None:
    path = f"/api/v2/cases/{case['id']}/timelines"
    assert server.client(None).get(path).status_code == 401
    assert len(timeline(readonly_api, case["id"])) == 1
    writer = server.client(server.create_keys("acme", "writer@acme.test", "cases_write"))
    r = writer.get(path)
    assert r.status_code == 403
    assert "cases_read" in r.json()["errors"][0]["detail"]
    r = api.get(f"/api/v2/cases/{uuid.uuid4()}/timelines")
    assert r.status_code == 404
    assert r.json()["errors"][0]["title"] == "case not found"
    r = api.get("/api/v2/cases/$$$/timelines")
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"parameter": "case_id"}


def test_timeline_reads_use_the_created_at_index(server: Server) -> None:
    """The page query is a range scan of ix_case_events_org_case_created on either engine."""
    args = (str(uuid.uuid4()), str(uuid.uuid4()), 100, 0)
    for query in (timeline_sql.PAGE_ASC, timeline_sql.PAGE_DESC):
        if server.engine == "sqlite":
            plan = " ".join(
                r["detail"] for r in fetch(server, "EXPLAIN QUERY PLAN " + query, *args)
            )
        else:
            plan = " ".join(r["QUERY PLAN"] for r in _pg_plan(server, query, args))
        assert "ix_case_events_org_case_created" in plan, plan


def _pg_plan(server: Server, query: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        db = await connect(load_settings(database_url=server.database_url, db_pool_size=1))
        try:
            async with db.transaction() as conn:
                # A test database is tiny: make the planner show how it can serve a big one.
                await conn.execute("SET LOCAL enable_seqscan = off")
                await conn.execute("SET LOCAL enable_bitmapscan = off")
                rows = await conn.fetch("EXPLAIN " + query, *args)
                return [dict(r.items()) for r in rows]
        finally:
            await db.close()

    return asyncio.run(run())


# The official client -------------------------------------------------------------------


def test_round_trip_through_the_official_client(
    server: Server, keys: Keys, api: Client, case: dict[str, Any]
) -> None:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import ApiException
    from datadog_api_client.v2.api.case_management_api import CaseManagementApi
    from datadog_api_client.v2.model.case_comment import CaseComment
    from datadog_api_client.v2.model.case_comment_attributes import CaseCommentAttributes
    from datadog_api_client.v2.model.case_comment_request import CaseCommentRequest
    from datadog_api_client.v2.model.case_resource_type import CaseResourceType
    from datadog_api_client.v2.model.case_update_comment import CaseUpdateComment
    from datadog_api_client.v2.model.case_update_comment_attributes import (
        CaseUpdateCommentAttributes,
    )
    from datadog_api_client.v2.model.case_update_comment_request import (
        CaseUpdateCommentRequest,
    )
    from datadog_api_client.v2.model.timeline_cell_type import TimelineCellType

    r = api.put(
        f"/api/v2/cases/{case['id']}/insights", json=insights([("MONITOR", "42", "/monitors/42")])
    )
    assert r.status_code == 200, r.text
    config = Configuration(host=server.base_url)
    config.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    key = case["attributes"]["key"]
    with ApiClient(config) as client:
        cm = CaseManagementApi(client)
        created = cm.comment_case(
            case_id=key,
            body=CaseCommentRequest(
                data=CaseComment(
                    type=CaseResourceType.CASE,
                    attributes=CaseCommentAttributes(comment="Hello World !"),
                )
            ),
        )
        [cell] = created.data
        assert cell.attributes.type == TimelineCellType.COMMENT
        assert cell.attributes.cell_content.message == "Hello World !"
        assert cell.attributes.author.content.id == keys.user_id
        assert cell.attributes.author.content.email == "alice@acme.test"

        assert (
            cm.update_case_comment(
                case_id=case["id"],
                cell_id=cell.id,
                body=CaseUpdateCommentRequest(
                    data=CaseUpdateComment(
                        type=CaseResourceType.CASE,
                        attributes=CaseUpdateCommentAttributes(comment="Edited"),
                    )
                ),
            )
            is None
        )

        # Cells of types the client does not know still deserialize, fields and all.
        page = cm.list_case_timeline(
            case_id=case["id"], page_size=10, page_number=0, sort_ascending=True
        )
        assert [c.attributes.type.value for c in page.data] == [
            "CASE_CREATED",
            "INSIGHTS_ADDED",
            "COMMENT",
            "COMMENT_UPDATED",
        ]
        created_cell, added, commented, edited = page.data
        assert created_cell.attributes.cell_content.message == f"Case {key} created"
        assert created_cell.attributes.cell_content["action"] == "case.created"
        assert added.attributes.cell_content.details["added"][0]["resource_id"] == "42"
        assert commented.id == cell.id
        assert commented.attributes.type == TimelineCellType.COMMENT
        assert commented.attributes.cell_content.message == "Edited"
        assert commented.attributes.modified_at > commented.attributes.created_at
        assert edited.attributes.cell_content.details == {"cell_id": cell.id}
        newest = cm.list_case_timeline(case_id=key, page_size=1)
        assert [c.id for c in newest.data] == [edited.id]
        assert cm.list_case_timeline(case_id=key, page_size=1, page_number=4).data == []

        assert cm.delete_case_comment(case_id=key, cell_id=cell.id) is None
        remaining = [c.attributes.type.value for c in cm.list_case_timeline(case_id=key).data]
        assert remaining == ["COMMENT_DELETED", "COMMENT_UPDATED", "INSIGHTS_ADDED", "CASE_CREATED"]

        with pytest.raises(ApiException) as err:
            cm.delete_case_comment(case_id=key, cell_id=cell.id)
        assert err.value.status == 404
        with pytest.raises(ApiException) as err:
            cm.comment_case(
                case_id=key,
                body=CaseCommentRequest(
                    data=CaseComment(
                        type=CaseResourceType.CASE, attributes=CaseCommentAttributes(comment="")
                    )
                ),
            )
        assert err.value.status == 400
    after = api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]
    assert after["comment_count"] == 0
