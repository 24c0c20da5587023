"""Maintenance windows: ListMaintenanceWindows, CreateMaintenanceWindow, UpdateMaintenanceWindow,
DeleteMaintenanceWindow, and active_windows for the fan-out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from case_db import fetch
from conftest import Client, Keys, Server, reference_contract
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.model.maintenance_window_create import MaintenanceWindowCreate
from datadog_api_client.v2.model.maintenance_window_create_attributes import (
    MaintenanceWindowCreateAttributes,
)
from datadog_api_client.v2.model.maintenance_window_create_request import (
    MaintenanceWindowCreateRequest,
)
from datadog_api_client.v2.model.maintenance_window_resource_type import (
    MaintenanceWindowResourceType,
)
from datadog_api_client.v2.model.maintenance_window_update import MaintenanceWindowUpdate
from datadog_api_client.v2.model.maintenance_window_update_attributes import (
    MaintenanceWindowUpdateAttributes,
)
from datadog_api_client.v2.model.maintenance_window_update_request import (
    MaintenanceWindowUpdateRequest,
)

from opencase.core.config import load_settings
from opencase.core.db import connect
from opencase.maintenance import service, sql
from opencase.maintenance.models import MaintenanceWindow
from opencase.maintenance.views import ROUTES

BASE = "/api/v2/maintenance_windows"
A = "/data/attributes"
WINDOW_NOT_FOUND = {
    "errors": [
        {"status": "404", "code": "resource_not_found", "title": "maintenance_window not found"}
    ]
}
START, END = "2026-06-01T00:00:00Z", "2026-06-01T06:00:00Z"
START_OUT, END_OUT = "2026-06-01T00:00:00.000000Z", "2026-06-01T06:00:00.000000Z"


def body(
    name: str = "Weekly maintenance",
    query: str = "status:open",
    start_at: Any = START,
    end_at: Any = END,
) -> Any:
    attributes = {"name": name, "query": query, "start_at": start_at, "end_at": end_at}
    return {"data": {"type": "maintenance_window", "attributes": attributes}}


def update(**attributes: Any) -> Any:
    return {"data": {"type": "maintenance_window", "attributes": attributes}}


def create(api: Client, **kw: Any) -> dict[str, Any]:
    r = api.post(BASE, json=body(**kw))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def windows(api: Client) -> list[dict[str, Any]]:
    r = api.get(BASE)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def get(api: Client, window_id: str) -> dict[str, Any]:
    [found] = [w for w in windows(api) if w["id"] == window_id]
    return found


def bad_request(r: Any, pointer: str | None = None, parameter: str | None = None) -> str:
    """Asserts a 400 naming the pointer or parameter; returns the detail."""
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["status"] == "400"
    if pointer is not None:
        assert error["source"] == {"pointer": pointer}, error
    if parameter is not None:
        assert error["source"] == {"parameter": parameter}, error
    detail: str = error.get("detail", "")
    return detail


def stored(server: Server, org_id: str) -> int:
    rows = fetch(server, "SELECT count(*) AS n FROM maintenance_windows WHERE org_id = $1", org_id)
    return int(rows[0]["n"])


@pytest.fixture(scope="module")
def org(server: Server) -> Keys:
    """An organisation of this module's own, so that its windows are the only ones listed."""
    return server.create_keys(f"maint-{uuid.uuid4().hex[:8]}", "mia@maint.test")


@pytest.fixture(scope="module")
def mapi(server: Server, org: Keys) -> Client:
    return server.client(org)


@pytest.fixture
def clean(mapi: Client) -> Client:
    """`mapi` with no window left from an earlier test."""
    for w in windows(mapi):
        assert mapi.delete(f"{BASE}/{w['id']}").status_code == 204
    return mapi


@pytest.fixture(scope="module")
def bob(server: Server, org: Keys) -> Keys:
    """A second user of the module's organisation, with every scope."""
    return server.create_keys(org.raw["org"], "bob@maint.test")


# --------------------------------------------------------------------------- CRUD


def test_create_list_update_delete(clean: Client, org: Keys, bob: Keys, server: Server) -> None:
    api = clean
    r = api.post(BASE, json=body(query="project:* status:open"))
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    created = r.json()
    window = created["data"]
    uuid.UUID(window["id"])
    assert set(window) == {"id", "type", "attributes"}
    assert window["type"] == "maintenance_window"
    assert window["attributes"] == {
        "name": "Weekly maintenance",
        "query": "project:* status:open",
        "start_at": START_OUT,
        "end_at": END_OUT,
        "created_by": org.user_id,
        "updated_by": org.user_id,
    }
    assert windows(api) == [window]

    r = server.client(bob).put(f"{BASE}/{window['id']}", json=update(name="DB upgrade"))
    assert r.status_code == 200, r.text
    renamed = r.json()["data"]
    assert renamed["attributes"] == {
        **window["attributes"],
        "name": "DB upgrade",
        "updated_by": bob.user_id,
    }
    assert windows(api) == [renamed]

    r = api.delete(f"{BASE}/{window['id']}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert windows(api) == []
    assert stored(server, org.org_id) == 0
    for r in (
        api.delete(f"{BASE}/{window['id']}"),
        api.put(f"{BASE}/{window['id']}", json=update(name="x")),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == WINDOW_NOT_FOUND


def test_list_is_the_organisations_by_start_then_id(clean: Client, other_api: Client) -> None:
    later = create(
        clean, name="later", start_at="2026-07-01T00:00:00Z", end_at="2026-07-02T00:00:00Z"
    )
    first = create(
        clean, name="first", start_at="2026-05-01T00:00:00Z", end_at="2026-09-01T00:00:00Z"
    )
    same = [create(clean, name=f"same {i}") for i in range(3)]
    theirs = create(other_api, name="theirs")
    listed = windows(clean)
    assert [w["id"] for w in listed] == [
        first["id"],
        *sorted(w["id"] for w in same),
        later["id"],
    ]
    assert theirs["id"] not in {w["id"] for w in listed}
    assert theirs["id"] in {w["id"] for w in windows(other_api)}
    # Moving a window moves it in the list.
    r = clean.put(f"{BASE}/{later['id']}", json=update(start_at="2026-01-01T00:00:00Z"))
    assert r.status_code == 200, r.text
    assert windows(clean)[0]["id"] == later["id"]
    assert other_api.delete(f"{BASE}/{theirs['id']}").status_code == 204


def test_overlapping_windows_are_allowed(clean: Client) -> None:
    a = create(clean, name="a")
    b = create(clean, name="b", start_at="2026-06-01T03:00:00Z", end_at="2026-06-01T09:00:00Z")
    c = create(clean, name="c")  # the very same range
    assert {w["id"] for w in windows(clean)} == {a["id"], b["id"], c["id"]}


def test_update_replaces_only_what_it_is_given(clean: Client, org: Keys) -> None:
    window = create(clean)
    url = f"{BASE}/{window['id']}"
    # Nothing given, nulls, or only the current values: 200 and the window as it was.
    for change in (
        {},
        {"name": None, "query": None, "start_at": None, "end_at": None},
        # The same instant spelt otherwise is the same value.
        {"name": "Weekly maintenance", "query": "status:open",
         "start_at": "2026-06-01T02:00:00+02:00", "end_at": "2026-06-01T06:00:00.000Z"},
    ):  # fmt: skip
        r = clean.put(url, json=update(**change))
        assert r.status_code == 200, r.text
        assert r.json()["data"] == window
    r = clean.put(url, json={"data": {"type": "maintenance_window"}})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == window

    r = clean.put(url, json=update(query="priority:P1", end_at="2026-06-02T00:00:00+00:00"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"] == {
        **window["attributes"],
        "query": "priority:P1",
        "end_at": "2026-06-02T00:00:00.000000Z",
    }
    r = clean.put(url, json=update(start_at="2026-06-01T12:00:00Z"))
    assert r.status_code == 200, r.text
    attrs = r.json()["data"]["attributes"]
    assert (attrs["start_at"], attrs["end_at"]) == (
        "2026-06-01T12:00:00.000000Z",
        "2026-06-02T00:00:00.000000Z",
    )
    assert get(clean, window["id"])["attributes"] == attrs
    r = clean.put(url, json=update(query=""))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["query"] == ""


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("given", "answered"),
    [
        ("2026-06-01T00:00:00Z", "2026-06-01T00:00:00.000000Z"),
        ("2026-06-01t00:00:00z", "2026-06-01T00:00:00.000000Z"),
        ("2026-06-01T02:30:00+02:30", "2026-06-01T00:00:00.000000Z"),
        ("2026-05-31T19:00:00-05:00", "2026-06-01T00:00:00.000000Z"),
        ("2026-06-01T00:00:00-00:00", "2026-06-01T00:00:00.000000Z"),
        ("2026-06-01T00:00:00.5Z", "2026-06-01T00:00:00.500000Z"),
        ("2026-06-01T00:00:00.123456789Z", "2026-06-01T00:00:00.123456Z"),
        ("2026-06-01T01:00:00.000001+01:00", "2026-06-01T00:00:00.000001Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"),
        ("2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000000Z"),
    ],
)
def test_times_are_rfc3339_answered_in_utc(clean: Client, given: str, answered: str) -> None:
    window = create(clean, start_at=given, end_at="9999-12-31T23:59:59.999999Z")
    assert window["attributes"]["start_at"] == answered
    assert window["attributes"]["end_at"] == "9999-12-31T23:59:59.999999Z"
    assert get(clean, window["id"]) == window
    if not given.startswith("1970"):
        other = create(clean, start_at="1970-01-01T00:00:00Z", end_at=given)
        assert other["attributes"]["end_at"] == answered


BAD_TIMES: list[tuple[Any, str | None]] = [
    ("2026-06-01", "must be an RFC 3339 date-time with an offset, such as 2026-06-01T00:00:00Z;"
                   " got '2026-06-01'"),
    ("2026-06-01T00:00:00", None),  # no offset
    ("2026-06-01 00:00:00Z", None),
    ("2026-06-01T00:00Z", None),
    ("2026-13-01T00:00:00Z", None),
    ("2026-02-30T00:00:00Z", None),
    ("2026-06-01T24:00:00Z", None),
    ("2026-06-01T00:00:60Z", None),
    ("2026-06-01T00:00:00+24:00", None),
    ("2026-06-01T00:00:00+01:60", None),
    ("2026-06-01T00:00:00.Z", None),
    ("2026-06-01T00:00:00.1234567890Z", None),
    ("0000-01-01T00:00:00Z", None),
    ("0001-01-01T00:00:00+01:00", None),
    ("9999-12-31T23:59:59-01:00", None),
    ("1969-12-31T23:59:59.999999Z", "must not be before 1970"),
    ("\uff11\uff19\uff17\uff10-01-01T00:00:00Z", None),
    ("now", None),
    ("", None),
    ("2026-06-01T00:00:00Z" + " " * 45, "Expected `str` of length <= 64"),
    (1780272000000, "Expected `str`, got `int`"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "detail"), BAD_TIMES)
@pytest.mark.parametrize("field", ["start_at", "end_at"])
def test_bad_times_are_400_at_their_pointer(
    clean: Client, org: Keys, server: Server, field: str, value: Any, detail: str | None
) -> None:
    r = clean.post(BASE, json=body(**{field: value}))
    got = bad_request(r, pointer=f"{A}/{field}")
    if detail is not None:
        assert got.endswith(detail), got
        if detail.startswith("must"):
            assert got.startswith(field)
    assert stored(server, org.org_id) == 0
    window = create(clean)
    r = clean.put(f"{BASE}/{window['id']}", json=update(name="changed", **{field: value}))
    bad_request(r, pointer=f"{A}/{field}")
    assert windows(clean) == [window]


@pytest.mark.parametrize(
    ("start_at", "end_at"),
    [
        (END, START),
        (START, START),
        ("2026-06-01T02:00:00+02:00", "2026-06-01T00:00:00Z"),  # the same instant
        ("2026-06-01T00:00:00.000001Z", "2026-06-01T00:00:00Z"),
    ],
)
def test_end_must_be_after_start(
    clean: Client, org: Keys, server: Server, start_at: str, end_at: str
) -> None:
    r = clean.post(BASE, json=body(start_at=start_at, end_at=end_at))
    assert bad_request(r, pointer=f"{A}/end_at") == "end_at must be after start_at"
    assert stored(server, org.org_id) == 0


def test_update_checks_the_merged_range(clean: Client) -> None:
    window = create(clean)  # 00:00 to 06:00
    url = f"{BASE}/{window['id']}"
    cases = [
        # (change, the pointer blamed)
        ({"start_at": "2026-06-01T06:00:00Z"}, "start_at"),  # only the start: it is to blame
        ({"start_at": "2026-06-02T00:00:00Z", "name": "x"}, "start_at"),
        ({"end_at": "2026-06-01T00:00:00Z"}, "end_at"),
        ({"end_at": "2026-05-31T00:00:00Z", "query": "priority:P1"}, "end_at"),
        ({"start_at": END, "end_at": START}, "end_at"),
    ]
    for change, field in cases:
        detail = bad_request(clean.put(url, json=update(**change)), pointer=f"{A}/{field}")
        assert detail == "end_at must be after start_at"
        assert windows(clean) == [window]
    # Both moved together past the old end: fine.
    r = clean.put(url, json=update(start_at="2026-07-01T00:00:00Z", end_at="2026-07-02T00:00:00Z"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["start_at"] == "2026-07-01T00:00:00.000000Z"


# --------------------------------------------------------------------------- name, query, body


@pytest.mark.parametrize(
    ("name", "detail"),
    [("", "Expected `str` of length >= 1"), ("   ", "name must not be blank"),
     ("x" * 201, "Expected `str` of length <= 200"), (5, "Expected `str`, got `int`")],
)  # fmt: skip
def test_name_must_be_1_to_200_characters_not_blank(
    clean: Client, org: Keys, server: Server, name: Any, detail: str
) -> None:
    assert bad_request(clean.post(BASE, json=body(name=name)), pointer=f"{A}/name") == detail
    assert stored(server, org.org_id) == 0
    window = create(clean, name="x" * 200)
    r = clean.put(f"{BASE}/{window['id']}", json=update(name=name, query="priority:P2"))
    # An update's attributes may be null: "Expected `str | null`" there.
    assert bad_request(r, pointer=f"{A}/name").replace(" | null", "") == detail
    assert windows(clean) == [window]


@pytest.mark.parametrize("query", ["status:open priority:P1", "title words", ""])
def test_valid_queries_are_saved_as_given(clean: Client, query: str) -> None:
    window = create(clean, query=query)
    assert window["attributes"]["query"] == query
    other = create(clean, query="status:open")
    r = clean.put(f"{BASE}/{other['id']}", json=update(query=query))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["query"] == query


@pytest.mark.parametrize(
    "query", ["status:(", "nosuchfield:x", "priority:P9", "status:open AND", "x" * 4097, 5]
)
def test_invalid_queries_are_400_and_save_nothing(
    clean: Client, org: Keys, server: Server, query: Any
) -> None:
    detail = bad_request(clean.post(BASE, json=body(query=query)), pointer=f"{A}/query")
    if isinstance(query, str) and len(query) < 100:
        assert detail.startswith("invalid query")
    assert stored(server, org.org_id) == 0
    window = create(clean)
    r = clean.put(f"{BASE}/{window['id']}", json=update(name="changed", query=query))
    bad_request(r, pointer=f"{A}/query")
    assert windows(clean) == [window]


@pytest.mark.parametrize("missing", ["name", "query", "start_at", "end_at"])
def test_required_attributes(clean: Client, org: Keys, server: Server, missing: str) -> None:
    payload = body()
    del payload["data"]["attributes"][missing]
    detail = bad_request(clean.post(BASE, json=payload), pointer=f"{A}/{missing}")
    assert detail == f"missing required field {missing!r}"
    assert stored(server, org.org_id) == 0


def test_bad_bodies_are_400(clean: Client, org: Keys, server: Server) -> None:
    payload = body()
    payload["data"]["type"] = "maintenance"
    detail = bad_request(clean.post(BASE, json=payload), pointer="/data/type")
    assert detail == 'got type "maintenance" expected one of "maintenance_window"'
    bad_request(clean.post(BASE, json={"data": {"type": "maintenance_window"}}), pointer=A)
    bad_request(clean.post(BASE, json={}), pointer="/data")
    bad_request(clean.post(BASE, data=b"{"), pointer="")
    bad_request(clean.post(BASE, json=body(name="a\u0000b")), pointer=f"{A}/name")
    assert stored(server, org.org_id) == 0
    window = create(clean)
    url = f"{BASE}/{window['id']}"
    bad_request(clean.put(url, json={"data": {"type": "view"}}), pointer="/data/type")
    bad_request(clean.put(url, json={}), pointer="/data")
    bad_request(clean.put(url, data=b""), pointer="")
    assert windows(clean) == [window]


def test_bad_window_id_is_400(clean: Client) -> None:
    bad_request(clean.put(f"{BASE}/nope", json=update(name="x")), parameter="maintenance_window_id")
    bad_request(clean.delete(f"{BASE}/nope"), parameter="maintenance_window_id")
    # GET on one window is no operation of Datadog's spec.
    window = create(clean)
    assert clean.get(f"{BASE}/{window['id']}").status_code == 405


# --------------------------------------------------------------------------- tenants, scopes


def test_other_organisations_windows_are_404(
    clean: Client, other_api: Client, server: Server, org: Keys
) -> None:
    window = create(clean)
    for r in (
        other_api.put(f"{BASE}/{window['id']}", json=update(name="mine now")),
        other_api.delete(f"{BASE}/{window['id']}"),
        clean.put(f"{BASE}/{uuid.uuid4()}", json=update(name="x")),
        clean.delete(f"{BASE}/{uuid.uuid4()}"),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == WINDOW_NOT_FOUND
    assert window["id"] not in {w["id"] for w in windows(other_api)}
    assert windows(clean) == [window]
    assert stored(server, org.org_id) == 1


def _forbidden(r: Any, scope: str) -> None:
    assert r.status_code == 403, r.text
    assert r.json()["errors"][0]["detail"] == f"the application key lacks the {scope} scope"


def test_scopes(server: Server, org: Keys, clean: Client, readonly_api: Client) -> None:
    window = create(clean)
    url = f"{BASE}/{window['id']}"
    read = "event_correlation_config_read"
    write = "event_correlation_config_write"
    # cases_read only (the conftest read-only key), and the three scopes of keys created before
    # these two existed: neither lists nor writes windows.
    older = server.client(
        server.create_keys(
            org.raw["org"], "old@maint.test", "cases_read,cases_write,cases_shared_settings_write"
        )
    )
    for client in (readonly_api, older):
        _forbidden(client.get(BASE), read)
        _forbidden(client.post(BASE, json=body()), write)
        _forbidden(client.put(url, json=update(name="x")), write)
        _forbidden(client.delete(url), write)
    reader = server.client(server.create_keys(org.raw["org"], "r@maint.test", read))
    assert windows(reader) == [window]
    _forbidden(reader.post(BASE, json=body()), write)
    _forbidden(reader.put(url, json=update(name="x")), write)
    _forbidden(reader.delete(url), write)
    writer = server.client(server.create_keys(org.raw["org"], "w@maint.test", write))
    _forbidden(writer.get(BASE), read)
    r = writer.put(url, json=update(name="by the writer"))
    assert r.status_code == 200, r.text
    assert windows(clean)[0]["attributes"]["name"] == "by the writer"
    # New keys get both scopes by default (the module's own keys were created without --scopes).
    assert {read, write} <= set(org.raw["scopes"])


def test_the_operations_are_datadogs() -> None:
    paths = reference_contract()["paths"]
    for route in ROUTES:
        op = paths[route.path][route.method.lower()]
        assert op["operationId"] == route.operation_id
        assert op["security"][1]["AuthZ"] == [route.scope]
    assert len(ROUTES) == 4


# --------------------------------------------------------------------------- active_windows


def active(server: Server, org_id: str, at: int) -> list[MaintenanceWindow]:
    """service.active_windows on the server's database, through opencase's data layer."""

    async def run() -> list[MaintenanceWindow]:
        db = await connect(load_settings(database_url=server.database_url, db_pool_size=1))
        try:
            async with db.snapshot() as conn:
                return await service.active_windows(conn, org_id=org_id, at=at)
        finally:
            await db.close()

    return asyncio.run(run())


def _us(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_active_windows_run_from_start_to_just_before_end(
    clean: Client, org: Keys, other_api: Client, server: Server
) -> None:
    morning = create(clean, name="morning")  # 00:00 to 06:00
    late = create(
        clean, name="late", start_at="2026-06-01T05:00:00Z", end_at="2026-06-01T08:00:00Z"
    )
    create(clean, name="July", start_at="2026-07-01T00:00:00Z", end_at="2026-07-02T00:00:00Z")
    theirs = create(other_api, name="theirs")

    def at(text: str) -> list[str]:
        return [w.name for w in active(server, org.org_id, _us(text))]

    assert at("2026-05-31T23:59:59.999999Z") == []
    assert at("2026-06-01T00:00:00Z") == ["morning"]  # start_at is inside
    assert at("2026-06-01T05:00:00Z") == ["morning", "late"]  # overlapping: both, by start
    assert at("2026-06-01T05:59:59.999999Z") == ["morning", "late"]
    assert at("2026-06-01T06:00:00Z") == ["late"]  # end_at is not
    assert at("2026-06-01T08:00:00Z") == []
    assert at("2026-07-01T12:00:00Z") == ["July"]
    [got] = active(server, org.org_id, _us("2026-06-01T01:00:00Z"))
    assert got == MaintenanceWindow(
        id=morning["id"],
        name="morning",
        query="status:open",
        start_at=_us(START),
        end_at=_us(END),
        created_at=got.created_at,
        created_by=org.user_id,
        modified_at=None,
        modified_by=None,
    )
    # An update moves the window; a deleted one is gone; another organisation's never shows.
    r = clean.put(f"{BASE}/{late['id']}", json=update(end_at="2026-06-01T09:00:00Z"))
    assert r.status_code == 200, r.text
    assert at("2026-06-01T08:30:00Z") == ["late"]
    assert active(server, org.org_id, _us("2026-06-01T08:30:00Z"))[0].modified_by == org.user_id
    assert clean.delete(f"{BASE}/{morning['id']}").status_code == 204
    assert at("2026-06-01T01:00:00Z") == []
    assert other_api.delete(f"{BASE}/{theirs['id']}").status_code == 204


def test_active_windows_use_the_end_index(server: Server, org: Keys) -> None:
    if server.engine == "sqlite":
        plan = fetch(server, f"EXPLAIN QUERY PLAN {sql.ACTIVE}", org.org_id, 0)
        text = " ".join(str(row["detail"]) for row in plan)
    else:

        async def explain() -> str:
            import asyncpg

            conn = await asyncpg.connect(server.database_url)
            try:
                await conn.execute("SET enable_seqscan = off")
                rows = await conn.fetch(
                    f"EXPLAIN {sql.ACTIVE}", uuid.UUID(org.org_id), datetime.now(UTC)
                )
                return " ".join(r[0] for r in rows)
            finally:
                await conn.close()

        text = asyncio.run(explain())
    assert "ix_maintenance_windows_org_end" in text, text


# --------------------------------------------------------------------------- Datadog's client


@contextmanager
def client_for(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    # No maintenance-window operation is unstable in this datadog-api-client.
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


@pytest.fixture
def cm(server: Server, org: Keys, clean: Client) -> Iterator[CaseManagementApi]:
    with client_for(server, org) as api:
        yield api


def test_datadogs_client_drives_every_operation(
    cm: CaseManagementApi, server: Server, org: Keys, bob: Keys
) -> None:
    start = datetime(2026, 6, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    request = MaintenanceWindowCreateRequest(
        data=MaintenanceWindowCreate(
            type=MaintenanceWindowResourceType.MAINTENANCE_WINDOW,
            attributes=MaintenanceWindowCreateAttributes(
                name="Weekly maintenance",
                query="status:open",
                start_at=start,
                end_at=datetime(2026, 6, 1, 6, 0),  # naive: the client sends it as UTC ("Z")
            ),
        )
    )
    created = cm.create_maintenance_window(body=request).data
    uuid.UUID(created.id)
    assert created.type == MaintenanceWindowResourceType.MAINTENANCE_WINDOW
    attrs = created.attributes
    assert (attrs.name, attrs.query) == ("Weekly maintenance", "status:open")
    assert attrs.start_at == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    assert attrs.end_at == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    assert (attrs.created_by, attrs.updated_by) == (org.user_id, org.user_id)

    [listed] = cm.list_maintenance_windows().data
    assert listed.id == created.id
    assert listed.attributes.end_at == attrs.end_at

    change = MaintenanceWindowUpdateRequest(
        data=MaintenanceWindowUpdate(
            type=MaintenanceWindowResourceType.MAINTENANCE_WINDOW,
            attributes=MaintenanceWindowUpdateAttributes(
                name="DB upgrade", end_at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
            ),
        )
    )
    with client_for(server, bob) as bob_cm:
        updated = bob_cm.update_maintenance_window(
            maintenance_window_id=created.id, body=change
        ).data
    assert updated.attributes.name == "DB upgrade"
    assert updated.attributes.start_at == attrs.start_at
    assert updated.attributes.end_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert (updated.attributes.created_by, updated.attributes.updated_by) == (
        org.user_id,
        bob.user_id,
    )

    backwards = MaintenanceWindowUpdateRequest(
        data=MaintenanceWindowUpdate(
            type=MaintenanceWindowResourceType.MAINTENANCE_WINDOW,
            attributes=MaintenanceWindowUpdateAttributes(end_at=datetime(2026, 5, 1, tzinfo=UTC)),
        )
    )
    with pytest.raises(ApiException) as raised:
        cm.update_maintenance_window(maintenance_window_id=created.id, body=backwards)
    assert raised.value.status == 400

    assert cm.delete_maintenance_window(maintenance_window_id=created.id) is None
    assert cm.list_maintenance_windows().data == []
    with pytest.raises(NotFoundException):
        cm.delete_maintenance_window(maintenance_window_id=created.id)
    with pytest.raises(NotFoundException):
        cm.update_maintenance_window(maintenance_window_id=str(uuid.uuid4()), body=change)


def test_datadogs_client_without_the_scopes(cm: CaseManagementApi, server: Server) -> None:
    reader = server.create_keys("acme", "client-reader@acme.test", "cases_read")
    with client_for(server, reader) as limited, pytest.raises(ForbiddenException):
        limited.list_maintenance_windows()
    request = MaintenanceWindowCreateRequest(
        data=MaintenanceWindowCreate(
            type=MaintenanceWindowResourceType.MAINTENANCE_WINDOW,
            attributes=MaintenanceWindowCreateAttributes(
                name="n",
                query="",
                start_at=datetime(2026, 6, 1, tzinfo=UTC),
                end_at=datetime(2026, 6, 2, tzinfo=UTC),
            ),
        )
    )
    with client_for(server, reader) as limited, pytest.raises(ForbiddenException):
        limited.create_maintenance_window(body=request)
    assert cm.create_maintenance_window(body=request).data.attributes.query == ""
