"""CountCases (GET /api/v2/cases/count) and AggregateCases (POST /api/v2/cases/aggregate) over
HTTP, on both engines: totals, groups by every group field and by attributes, limits, errors,
read-only keys and tenancy. Every count filters on a fresh project (`project:KEY`) because the
organisation is shared by every test of a server."""

from __future__ import annotations

import json
import random
import string
import uuid
from typing import Any

import pytest
import requests
from conftest import Client, Keys, Server

COUNT = "/api/v2/cases/count"
AGGREGATE = "/api/v2/cases/aggregate"
ALICE = "alice@acme.test"


def token(prefix: str) -> str:
    return prefix + "_" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8))


def key_filter(project: dict[str, Any]) -> str:
    return f"project:{project['attributes']['key']}"


def count(api: Client, query_filter: str, group_bys: str | None = None, **params: Any) -> Any:
    """The attributes of a 200 CountCases answer, checking the envelope."""
    query = {"query_filter": query_filter, **params}
    if group_bys is not None:
        query["group_bys"] = group_bys
    r = api.get(COUNT, params=query)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert set(r.json()) == {"data"}
    assert data["type"] == "count"
    assert str(uuid.UUID(data["id"])) == data["id"]
    assert set(data["attributes"]) == {"groups", "total"}
    return data["attributes"]


def values(group: dict[str, Any]) -> list[tuple[str, int]]:
    return [(v["value"], v["count"]) for v in group["group_values"]]


def counted(api: Client, project: dict[str, Any], field: str, **params: Any) -> dict[str, int]:
    """One group's counts as a dict, checking it lists the biggest first."""
    attrs = count(api, key_filter(project), field, **params)
    (group,) = attrs["groups"]
    assert group["group"] == field
    pairs = values(group)
    numbers = [n for _, n in pairs]
    assert numbers == sorted(numbers, reverse=True), pairs
    assert len({v for v, _ in pairs}) == len(pairs), pairs
    return dict(pairs)


def aggregate_body(query_filter: Any, groups: Any, limit: Any = 100) -> dict[str, Any]:
    group_by: dict[str, Any] = {"groups": groups}
    if limit is not None:
        group_by["limit"] = limit
    return {
        "data": {
            "type": "aggregate",
            "attributes": {"query_filter": query_filter, "group_by": group_by},
        }
    }


def aggregate(api: Client, query_filter: str, groups: list[str], limit: int = 100) -> Any:
    r = api.post(AGGREGATE, json=aggregate_body(query_filter, groups, limit))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["type"] == "aggregate"
    assert str(uuid.UUID(data["id"])) == data["id"]
    attrs = data["attributes"]
    assert set(attrs) == {"groups", "total"}
    assert isinstance(attrs["total"], float)
    for g in attrs["groups"]:
        assert set(g) == {"group", "value"}
        assert len(g["value"]) == 1
        assert isinstance(g["value"][0], float)
    numbers = [g["value"][0] for g in attrs["groups"]]
    assert numbers == sorted(numbers, reverse=True)
    return attrs


def buckets(attrs: dict[str, Any]) -> dict[str, float]:
    out = {g["group"]: g["value"][0] for g in attrs["groups"]}
    assert len(out) == len(attrs["groups"])
    return out


def error_of(r: requests.Response) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["status"] == "400"
    assert error["title"] == "Bad Request"
    assert error["detail"]
    return dict(error)


def edit(api: Client, case_id: str, path: str, **attributes: Any) -> None:
    r = api.post(
        f"/api/v2/cases/{case_id}/{path}", json={"data": {"type": "case", "attributes": attributes}}
    )
    assert r.status_code == 200, r.text


def new_case(
    api: Client, project: dict[str, Any], title: str, assignee: str | None = None, **attrs: Any
) -> dict[str, Any]:
    data: dict[str, Any] = api.new_case(project["id"], title, assignee, **attrs)
    return data


class Person:
    def __init__(self, server: Server) -> None:
        self.email = f"{token('bob')}@acme.test"
        out = server.cli("users", "create", "--org", "acme", "--email", self.email, "--json")
        self.id: str = json.loads(out.stdout)["id"]
        self.api = server.client(server.create_keys("acme", self.email))


@pytest.fixture(scope="module")
def bob(server: Server) -> Person:
    return Person(server)


class World:
    """Five cases of one project:

    | case | status      | priority    | assignee | creator | type  | archived | team       |
    | a    | Open        | P1          | bob      | alice   | Std   |          | red, blue  |
    | b    | In Progress | P1          |          | bob     | Std   |          | red        |
    | c    | Closed      | P2          | alice    | alice   | cloud |          |            |
    | d    | Open        | P3          |          | alice   | Std   | yes      | green      |
    | e    | Open        | NOT_DEFINED |          | alice   | Std   |          |            |
    """

    def __init__(self, api: Client, project: dict[str, Any], bob: Person, keys: Keys) -> None:
        self.project = project
        self.team = token("team")
        r = api.post(
            "/api/v2/cases/types",
            json={"data": {"type": "case_type", "attributes": {"name": token("Cloud")}}},
        )
        assert r.status_code == 201, r.text
        self.cloud = r.json()["data"]
        self.a = new_case(api, project, "a", assignee=bob.id, priority="P1")
        self.b = new_case(bob.api, project, "b", priority="P1", status_name="In Progress")
        self.c = new_case(
            api,
            project,
            "c",
            assignee=keys.user_id,
            priority="P2",
            status_name="Closed",
            type_id=self.cloud["id"],
        )
        self.d = new_case(api, project, "d", priority="P3")
        self.e = new_case(api, project, "e")
        edit(api, self.a["id"], "attributes", attributes={self.team: ["red", "blue"]})
        edit(api, self.b["id"], "attributes", attributes={self.team: ["red"]})
        edit(api, self.d["id"], "attributes", attributes={self.team: ["green"]})
        r = api.post(f"/api/v2/cases/{self.d['id']}/archive", json={"data": {"type": "case"}})
        assert r.status_code == 200, r.text
        self.key = project["attributes"]["key"]
        self.filter = key_filter(project)


@pytest.fixture
def world(api: Client, project: dict[str, Any], bob: Person, keys: Keys) -> World:
    return World(api, project, bob, keys)


# --------------------------------------------------------------------------- CountCases


def test_count_without_groups(api: Client, world: World) -> None:
    assert count(api, world.filter) == {"groups": [], "total": 5}
    assert count(api, world.filter, "") == {"groups": [], "total": 5}
    assert count(api, f"{world.filter} status:open") == {"groups": [], "total": 3}
    assert count(api, f"{world.filter} nothing_matches_this") == {"groups": [], "total": 0}
    # The same cases as SearchCases finds, for any query.
    for text, expected in (
        ("*", 5),
        ("status:open -assignee:*", 2),
        (f"{world.team}:red OR priority:P2", 3),
    ):
        query = f"{world.filter} ({text})"
        search = api.get("/api/v2/cases", params={"filter": query})
        assert search.json()["meta"]["total_cases"] == expected
        assert count(api, query)["total"] == expected


def test_count_every_group_field(api: Client, world: World, bob: Person) -> None:
    assert counted(api, world.project, "status") == {"OPEN": 3, "IN_PROGRESS": 1, "CLOSED": 1}
    assert counted(api, world.project, "priority") == {"P1": 2, "P2": 1, "P3": 1, "NOT_DEFINED": 1}
    assert counted(api, world.project, "project") == {world.key: 5}
    assert counted(api, world.project, "type") == {
        "Standard": 4,
        world.cloud["attributes"]["name"]: 1,
    }
    assert counted(api, world.project, "assignee") == {"none": 3, bob.email: 1, ALICE: 1}
    assert counted(api, world.project, "creator") == {ALICE: 4, bob.email: 1}
    assert counted(api, world.project, "archived") == {"false": 4, "true": 1}
    # An attribute key, bare or by prefix: a case counts under each of its values, and cases
    # without it do not count.
    expected = {"red": 2, "blue": 1, "green": 1}
    assert counted(api, world.project, world.team) == expected
    assert counted(api, world.project, f"attributes.{world.team}") == expected


def test_count_several_fields_each_on_its_own(api: Client, world: World, bob: Person) -> None:
    attrs = count(api, world.filter, f"status, assignee,{world.team},archived")
    assert attrs["total"] == 5
    assert [g["group"] for g in attrs["groups"]] == ["status", "assignee", world.team, "archived"]
    by_group = {g["group"]: dict(values(g)) for g in attrs["groups"]}
    assert by_group == {
        "status": {"OPEN": 3, "IN_PROGRESS": 1, "CLOSED": 1},
        "assignee": {"none": 3, bob.email: 1, ALICE: 1},
        world.team: {"red": 2, "blue": 1, "green": 1},
        "archived": {"false": 4, "true": 1},
    }
    # The biggest value of each group comes first.
    assert [values(g)[0] for g in attrs["groups"]] == [
        ("OPEN", 3),
        ("none", 3),
        ("red", 2),
        ("false", 4),
    ]


def test_count_follows_the_filter_and_edits(api: Client, world: World) -> None:
    attrs = count(api, f"{world.filter} archived:false", "status,priority")
    assert attrs["total"] == 4
    assert dict(values(attrs["groups"][0])) == {"OPEN": 2, "IN_PROGRESS": 1, "CLOSED": 1}
    assert dict(values(attrs["groups"][1])) == {"P1": 2, "P2": 1, "NOT_DEFINED": 1}
    edit(api, world.e["id"], "status", status_name="Closed")
    edit(api, world.a["id"], "attributes", attributes={world.team: ["green"]})
    assert counted(api, world.project, "status") == {"OPEN": 2, "IN_PROGRESS": 1, "CLOSED": 2}
    assert counted(api, world.project, world.team) == {"green": 2, "red": 1}


def test_count_limit(api: Client, world: World) -> None:
    attrs = count(api, world.filter, f"status,{world.team},priority", limit=1)
    assert [values(g) for g in attrs["groups"]] == [[("OPEN", 3)], [("red", 2)], [("P1", 2)]]
    assert attrs["total"] == 5
    two = count(api, world.filter, "status,priority", limit=2)
    assert [len(g["group_values"]) for g in two["groups"]] == [2, 2]
    assert values(two["groups"][0])[0] == ("OPEN", 3)
    assert values(two["groups"][1])[0] == ("P1", 2)
    assert counted(api, world.project, "status", limit=1000) == {
        "OPEN": 3,
        "IN_PROGRESS": 1,
        "CLOSED": 1,
    }


def test_count_by_custom_attribute(api: Client, project: dict[str, Any]) -> None:
    kind = api.post(
        "/api/v2/cases/types",
        json={"data": {"type": "case_type", "attributes": {"name": token("Sev")}}},
    ).json()["data"]
    n, t = token("sev"), token("zone")
    for key, type_ in ((n, "NUMBER"), (t, "TEXT")):
        r = api.post(
            f"/api/v2/cases/types/{kind['id']}/custom_attributes",
            json={
                "data": {
                    "type": "custom_attribute",
                    "attributes": {
                        "key": key,
                        "display_name": key,
                        "type": type_,
                        "is_multi": False,
                    },
                }
            },
        )
        assert r.status_code == 201, r.text
    for severity, zone in ((3, "north"), (3, "south"), (5, "north"), (None, None)):
        given = {}
        if severity is not None:
            given[n] = {"type": "NUMBER", "is_multi": False, "value": severity}
            given[t] = {"type": "TEXT", "is_multi": False, "value": zone}
        api.new_case(project["id"], "sev", type_id=kind["id"], custom_attributes=given)
    assert counted(api, project, f"custom.{n}") == {"3": 2, "5": 1}
    assert counted(api, project, n) == {"3": 2, "5": 1}
    assert counted(api, project, t) == {"north": 2, "south": 1}
    attrs = aggregate(api, key_filter(project), [t, n])
    assert buckets(attrs) == {"north,3": 1.0, "north,5": 1.0, "south,3": 1.0}
    assert attrs["total"] == 4.0


BAD_FILTERS = [
    ("status:(", "invalid query at position 8: expected a value, found the end of the query"),
    ('title:"x', "invalid query at position 6: unterminated quoted value"),
    ("nosuchfield:x", "invalid query at position 0: unknown field 'nosuchfield'"),
    ("priority:P9", "invalid query at position 9: unknown priority 'P9'"),
    ("(" * 33 + "x" + ")" * 33, "invalid query at position 33: nested more than 32 levels deep"),
]


@pytest.mark.parametrize(("text", "detail"), BAD_FILTERS)
def test_count_bad_query_filter(api: Client, text: str, detail: str) -> None:
    error = error_of(api.get(COUNT, params={"query_filter": text, "group_bys": "status"}))
    assert error["source"] == {"parameter": "query_filter"}
    assert error["detail"].startswith(detail), error


def test_count_syntax_error_comes_first(api: Client) -> None:
    r = api.get(COUNT, params={"query_filter": "status:(", "group_bys": "nosuch", "limit": "0"})
    error = error_of(r)
    assert error["source"] == {"parameter": "query_filter"}
    assert error["detail"].startswith("invalid query at position 8"), error


@pytest.mark.parametrize(
    ("params", "parameter", "detail"),
    [
        ({"group_bys": "status,nosuchfield"}, "group_bys", "cannot group by 'nosuchfield'"),
        ({"group_bys": "title"}, "group_bys", "cannot group by 'title'"),
        ({"group_bys": "created_at"}, "group_bys", "cannot group by 'created_at'"),
        ({"group_bys": "a,b,c,d,e"}, "group_bys", "group_bys names at most 4 fields"),
        ({"limit": "0"}, "limit", "limit must be between 1 and 1000"),
        ({"limit": "1001"}, "limit", "limit must be between 1 and 1000"),
        ({"limit": "-1"}, "limit", ""),
        ({"limit": "many"}, "limit", ""),
    ],
)
def test_count_bad_parameters(
    api: Client, params: dict[str, str], parameter: str, detail: str
) -> None:
    error = error_of(api.get(COUNT, params={"query_filter": "status:open", **params}))
    assert error["source"] == {"parameter": parameter}
    assert detail in error["detail"], error


# --------------------------------------------------------------------------- AggregateCases


def test_aggregate_one_group(api: Client, world: World) -> None:
    attrs = aggregate(api, world.filter, ["status"])
    assert attrs["total"] == 5.0
    assert attrs["groups"][0] == {"group": "OPEN", "value": [3.0]}
    assert buckets(attrs) == {"OPEN": 3.0, "IN_PROGRESS": 1.0, "CLOSED": 1.0}
    assert buckets(aggregate(api, world.filter, ["archived"])) == {"false": 4.0, "true": 1.0}
    assert buckets(aggregate(api, world.filter, ["project"])) == {world.key: 5.0}
    # No group: the total alone.
    assert aggregate(api, world.filter, []) == {"groups": [], "total": 5.0}


def test_aggregate_two_groups(api: Client, world: World, bob: Person) -> None:
    attrs = aggregate(api, world.filter, ["status", "priority"])
    assert attrs["total"] == 5.0
    assert buckets(attrs) == {
        "OPEN,P1": 1.0,
        "IN_PROGRESS,P1": 1.0,
        "CLOSED,P2": 1.0,
        "OPEN,P3": 1.0,
        "OPEN,NOT_DEFINED": 1.0,
    }
    assert buckets(aggregate(api, world.filter, ["assignee", "status"])) == {
        "none,OPEN": 2.0,
        "none,IN_PROGRESS": 1.0,
        f"{bob.email},OPEN": 1.0,
        f"{ALICE},CLOSED": 1.0,
    }
    # Attribute values: a case counts under each of its values; cases without one do not.
    by_team = aggregate(api, world.filter, [world.team, "priority"])
    assert buckets(by_team) == {"red,P1": 2.0, "blue,P1": 1.0, "green,P3": 1.0}
    assert by_team["groups"][0] == {"group": "red,P1", "value": [2.0]}
    assert by_team["total"] == 5.0
    assert buckets(aggregate(api, f"{world.filter} status:open", ["type", "creator"])) == {
        f"Standard,{ALICE}": 3.0
    }


def test_aggregate_limit(api: Client, world: World) -> None:
    attrs = aggregate(api, world.filter, ["status"], limit=1)
    assert attrs == {"groups": [{"group": "OPEN", "value": [3.0]}], "total": 5.0}
    assert len(aggregate(api, world.filter, ["status", "priority"], limit=3)["groups"]) == 3
    assert len(aggregate(api, world.filter, ["status", "priority"], limit=1000)["groups"]) == 5


@pytest.mark.parametrize(
    ("body", "pointer", "detail"),
    [
        (
            aggregate_body("status:open", ["status"], 1001),
            "/data/attributes/group_by/limit",
            "Expected `int` <= 1000",
        ),
        (
            aggregate_body("status:open", ["status"], 0),
            "/data/attributes/group_by/limit",
            "Expected `int` >= 1",
        ),
        (
            aggregate_body("status:open", ["status"], None),
            "/data/attributes/group_by/limit",
            "missing required field 'limit'",
        ),
        (
            {"data": {"type": "aggregate", "attributes": {"group_by": {"groups": [], "limit": 1}}}},
            "/data/attributes/query_filter",
            "missing required field 'query_filter'",
        ),
        (
            {"data": {"type": "aggregate", "attributes": {"query_filter": ""}}},
            "/data/attributes/group_by",
            "missing required field 'group_by'",
        ),
        (
            aggregate_body("status:(", ["status"]),
            "/data/attributes/query_filter",
            "invalid query at position 8: expected a value, found the end of the query",
        ),
        (
            aggregate_body("nosuchfield:x", ["status"]),
            "/data/attributes/query_filter",
            "invalid query at position 0: unknown field 'nosuchfield'",
        ),
        (
            aggregate_body("status:open", ["status", "nosuchfield"]),
            "/data/attributes/group_by/groups/1",
            "cannot group by 'nosuchfield'",
        ),
        (
            aggregate_body("status:open", ["status"] * 5),
            "/data/attributes/group_by/groups",
            "Expected `array` of length <= 4",
        ),
        (
            aggregate_body(7, ["status"]),
            "/data/attributes/query_filter",
            "Expected `str`, got `int`",
        ),
        (
            {**aggregate_body("", ["status"]), "data": {"type": "count", "attributes": {}}},
            "/data/type",
            'got type "count" expected one of "aggregate"',
        ),
    ],
)
def test_aggregate_bad_requests(
    api: Client, body: dict[str, Any], pointer: str, detail: str
) -> None:
    error = error_of(api.post(AGGREGATE, json=body))
    assert error["source"] == {"pointer": pointer}
    assert error["detail"].startswith(detail), error


def test_aggregate_syntax_error_comes_before_bad_groups(api: Client) -> None:
    error = error_of(api.post(AGGREGATE, json=aggregate_body("(status:open", ["nosuch"])))
    assert error["source"] == {"pointer": "/data/attributes/query_filter"}
    assert (
        error["detail"] == "invalid query at position 12: expected ')', found the end of the query"
    )


# --------------------------------------------------------------------------- keys and tenancy


def test_read_only_key_counts_and_aggregates(
    api: Client, readonly_api: Client, world: World
) -> None:
    # The key is read-only indeed…
    r = readonly_api.post("/api/v2/cases", json={"data": {"type": "case", "attributes": {}}})
    assert r.status_code == 403, r.text
    # …and may count and aggregate (cases_read), with the same answers.
    for client in (api, readonly_api):
        assert count(client, world.filter, "status")["groups"] == [
            {
                "group": "status",
                "group_values": [
                    {"value": "OPEN", "count": 3},
                    {"value": "IN_PROGRESS", "count": 1},
                    {"value": "CLOSED", "count": 1},
                ],
            }
        ]
        assert buckets(aggregate(client, world.filter, ["status", "archived"])) == {
            "OPEN,false": 2.0,
            "OPEN,true": 1.0,
            "IN_PROGRESS,false": 1.0,
            "CLOSED,false": 1.0,
        }


def test_count_and_aggregate_need_keys(server: Server) -> None:
    anonymous = server.client(None)
    assert anonymous.get(COUNT).status_code == 401
    assert anonymous.post(AGGREGATE, json=aggregate_body("", ["status"])).status_code == 401


def test_other_organisations_are_never_counted(
    api: Client, other_api: Client, world: World
) -> None:
    theirs = other_api.new_project(key=world.key)
    word = token("word")
    for i in range(3):
        case = other_api.new_case(theirs["id"], f"{word} {i}", priority="P1")
        edit(other_api, case["id"], "attributes", attributes={world.team: ["red"]})
    api.new_case(world.project["id"], word)
    # Same project key, attribute key and values in both organisations.
    assert counted(api, world.project, world.team) == {"red": 2, "blue": 1, "green": 1}
    assert count(api, world.filter, "project") == {
        "groups": [{"group": "project", "group_values": [{"value": world.key, "count": 6}]}],
        "total": 6,
    }
    assert count(other_api, world.filter, f"{world.team},priority") == {
        "groups": [
            {"group": world.team, "group_values": [{"value": "red", "count": 3}]},
            {"group": "priority", "group_values": [{"value": "P1", "count": 3}]},
        ],
        "total": 3,
    }
    assert count(api, word)["total"] == 1
    assert count(other_api, word)["total"] == 3
    assert aggregate(api, word, ["project"]) == {
        "groups": [{"group": world.key, "value": [1.0]}],
        "total": 1.0,
    }
    assert aggregate(other_api, f"{word} {world.team}:red", ["priority", world.team]) == {
        "groups": [{"group": "P1,red", "value": [3.0]}],
        "total": 3.0,
    }
    # Org-wide counts agree with org-wide searches, each organisation its own.
    for client in (api, other_api):
        everything = client.get("/api/v2/cases").json()["meta"]["total_cases"]
        assert count(client, "")["total"] == everything
        (archived,) = count(client, "", "archived")["groups"]
        assert sum(n for _, n in values(archived)) == everything
    # An attribute key only the other organisation uses is unknown here.
    only_theirs = token("theirs")
    lonely = other_api.new_case(theirs["id"], "lonely")
    edit(other_api, lonely["id"], "attributes", attributes={only_theirs: ["x"]})
    assert count(other_api, "", only_theirs)["groups"][0]["group_values"] == [
        {"value": "x", "count": 1}
    ]
    error = error_of(api.get(COUNT, params={"group_bys": only_theirs}))
    assert error["source"] == {"parameter": "group_bys"}
    error = error_of(api.post(AGGREGATE, json=aggregate_body("", [only_theirs])))
    assert error["source"] == {"pointer": "/data/attributes/group_by/groups/0"}


def test_attribute_groups_are_lower_cased_values(api: Client, project: dict[str, Any]) -> None:
    """Attributes group as queries match them: `Red` and `red` are one value. Over every case
    (`*`, counted from the attribute index alone) and under a filter (joined to the cases) the
    answer is the same, since the key is this test's own."""
    key = token("team")
    for title, value in (("a", ["Red"]), ("b", ["red"]), ("c", ["blue", "RED"]), ("d", ["x"])):
        case = api.new_case(project["id"], title)
        edit(api, case["id"], "attributes", attributes={key: value})
    api.new_case(project["id"], "without")
    for text in ("*", key_filter(project)):
        (group,) = count(api, text, key)["groups"]
        assert values(group) == [("red", 3), ("blue", 1), ("x", 1)], text
    assert buckets(aggregate(api, "*", [key])) == {"red": 3.0, "blue": 1.0, "x": 1.0}
    both = aggregate(api, key_filter(project), ["status", key])
    assert buckets(both) == {"OPEN,red": 3.0, "OPEN,blue": 1.0, "OPEN,x": 1.0}
