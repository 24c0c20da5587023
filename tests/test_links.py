"""Links: CreateCaseLink, ListCaseLinks, DeleteCaseLink under /api/v2/cases/link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from case_db import actions, events, fetch
from conftest import Client, Keys, Server

dd = pytest.importorskip("datadog_api_client")

from datadog_api_client import ApiClient, Configuration  # noqa: E402
from datadog_api_client.exceptions import ApiException, NotFoundException  # noqa: E402
from datadog_api_client.v2.api.case_management_api import CaseManagementApi  # noqa: E402
from datadog_api_client.v2.model.case_link_attributes import CaseLinkAttributes  # noqa: E402
from datadog_api_client.v2.model.case_link_create import CaseLinkCreate  # noqa: E402
from datadog_api_client.v2.model.case_link_create_request import (  # noqa: E402
    CaseLinkCreateRequest,
)
from datadog_api_client.v2.model.case_link_resource_type import (  # noqa: E402
    CaseLinkResourceType,
)

BASE = "/api/v2/cases/link"
RELATIONSHIPS = (
    "RELATES_TO",
    "CAUSES",
    "BLOCKS",
    "DUPLICATES",
    "PARENT_OF",
    "SUCCESSOR_OF",
    "ESCALATES_TO",
)
CASE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
}
LINK_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "link not found"}]
}


def attrs(
    parent: str,
    child: str,
    relationship: str = "BLOCKS",
    parent_type: str = "CASE",
    child_type: str = "CASE",
) -> dict[str, str]:
    return {
        "parent_entity_type": parent_type,
        "parent_entity_id": parent,
        "child_entity_type": child_type,
        "child_entity_id": child,
        "relationship": relationship,
    }


def body(parent: str, child: str, relationship: str = "BLOCKS", **kw: str) -> dict[str, Any]:
    return {"data": {"type": "link", "attributes": attrs(parent, child, relationship, **kw)}}


def link(api: Client, parent: str, child: str, relationship: str = "BLOCKS", **kw: str) -> Any:
    r = api.post(BASE, json=body(parent, child, relationship, **kw))
    assert r.status_code == 201, r.text
    return r.json()["data"]


def links_of(api: Client, entity_id: str, entity_type: str = "CASE", **query: str) -> list[Any]:
    r = api.get(BASE, params={"entity_type": entity_type, "entity_id": entity_id, **query})
    assert r.status_code == 200, r.text
    data: list[Any] = r.json()["data"]
    return data


def bad_request(detail: str, **source: str) -> dict[str, Any]:
    return {
        "errors": [{"status": "400", "title": "Bad Request", "detail": detail, "source": source}]
    }


@pytest.fixture
def two(api: Client, project: dict[str, Any]) -> tuple[str, str]:
    return api.new_case(project["id"], "A")["id"], api.new_case(project["id"], "B")["id"]


def test_create_list_delete(server: Server, api: Client, keys: Keys, two: tuple[str, str]) -> None:
    a, b = two
    r = api.post(BASE, json=body(a, b))
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    created = r.json()
    link_id = created["data"]["id"]
    assert uuid.UUID(link_id)
    assert created == {"data": {"id": link_id, "type": "link", "attributes": attrs(a, b)}}

    # Listed from either end.
    assert links_of(api, a) == [created["data"]]
    assert links_of(api, b) == [created["data"]]
    assert links_of(api, a, relationship="BLOCKS") == [created["data"]]
    assert links_of(api, a, relationship="CAUSES") == []

    # Linking does not modify the cases; each case end's record has the event.
    for case_id in (a, b):
        assert "modified_at" not in api.get(f"/api/v2/cases/{case_id}").json()["data"]["attributes"]
        assert actions(server, case_id) == ["case.created", "case.linked"]
        event = events(server, case_id)[1]
        assert event["actor_id"] == keys.user_id
        assert event["details"] == {"link_id": link_id, **attrs(a, b)}

    r = api.delete(f"{BASE}/{link_id}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert links_of(api, a) == links_of(api, b) == []
    for case_id in (a, b):
        assert actions(server, case_id) == ["case.created", "case.linked", "case.unlinked"]
    r = api.delete(f"{BASE}/{link_id}")
    assert r.status_code == 404
    assert r.json() == LINK_NOT_FOUND


def test_list_orders_oldest_first_and_filters(api: Client, project: dict[str, Any]) -> None:
    a, b, c = (api.new_case(project["id"], t)["id"] for t in "ABC")
    first = link(api, a, b, "BLOCKS")
    second = link(api, c, a, "CAUSES")
    third = link(api, a, c, "RELATES_TO")
    assert [x["id"] for x in links_of(api, a)] == [first["id"], second["id"], third["id"]]
    assert [x["id"] for x in links_of(api, c)] == [second["id"], third["id"]]
    assert [x["id"] for x in links_of(api, a, relationship="CAUSES")] == [second["id"]]


def test_other_entity_types(server: Server, api: Client, two: tuple[str, str]) -> None:
    a, _ = two
    incident, page = str(uuid.uuid4()), str(uuid.uuid4())
    x = link(api, a, incident, "ESCALATES_TO", child_type="INCIDENT")
    y = link(api, page, a, "CAUSES", parent_type="PAGE")
    z = link(api, str(uuid.uuid4()), a, "RELATES_TO", parent_type="AGENT_CONVERSATION")
    assert [v["id"] for v in links_of(api, a)] == [x["id"], y["id"], z["id"]]
    assert links_of(api, incident, "INCIDENT") == [x]
    assert links_of(api, page, "PAGE") == [y]
    assert links_of(api, incident, "PAGE") == []  # the type is part of the entity
    assert links_of(api, str(uuid.uuid4()), "INCIDENT") == []  # unknown non-case: no links
    assert actions(server, a).count("case.linked") == 3


def test_every_relationship(api: Client, two: tuple[str, str]) -> None:
    a, b = two
    names = list(RELATIONSHIPS)
    for name in names:
        link(api, a, b, name)
    assert sorted(x["attributes"]["relationship"] for x in links_of(api, b)) == sorted(names)


def test_ids_are_canonicalised(api: Client, two: tuple[str, str]) -> None:
    a, b = two
    got = link(api, a.upper(), b.replace("-", ""))
    assert got["attributes"]["parent_entity_id"] == a
    assert got["attributes"]["child_entity_id"] == b
    r = api.post(BASE, json=body(a, b))  # the same link, spelled differently before
    assert r.status_code == 409


def test_duplicates_are_409(api: Client, two: tuple[str, str]) -> None:
    a, b = two
    first = link(api, a, b, "BLOCKS")
    r = api.post(BASE, json=body(a, b, "BLOCKS"))
    assert r.status_code == 409, r.text
    assert r.json() == {
        "errors": [
            {
                "status": "409",
                "title": "Conflict",
                "detail": "these entities are already linked by this relationship"
                f" (link {first['id']})",
                "source": {"pointer": "/data/attributes"},
            }
        ]
    }
    # Directed relationships: the reverse is another link. RELATES_TO has no direction.
    link(api, b, a, "BLOCKS")
    related = link(api, a, b, "RELATES_TO")
    r = api.post(BASE, json=body(b, a, "RELATES_TO"))
    assert r.status_code == 409
    assert related["id"] in r.json()["errors"][0]["detail"]
    assert len(links_of(api, a)) == 3


def test_self_link_is_400(api: Client, two: tuple[str, str]) -> None:
    a, _ = two
    r = api.post(BASE, json=body(a, a.upper()))
    assert r.status_code == 400
    assert r.json() == bad_request(
        "an entity cannot be linked to itself", pointer="/data/attributes/child_entity_id"
    )
    assert links_of(api, a) == []


def test_one_end_must_be_a_case(api: Client) -> None:
    r = api.post(
        BASE,
        json=body(str(uuid.uuid4()), str(uuid.uuid4()), parent_type="INCIDENT", child_type="PAGE"),
    )
    assert r.status_code == 400
    assert r.json() == bad_request(
        "at least one end of a link must be a CASE", pointer="/data/attributes/parent_entity_type"
    )


@pytest.mark.parametrize(
    ("change", "pointer", "detail"),
    [
        ({"parent_entity_id": "nope"}, "/data/attributes/parent_entity_id", "'nope' is not a UUID"),
        ({"child_entity_id": "12"}, "/data/attributes/child_entity_id", "'12' is not a UUID"),
        (
            {"relationship": "LOVES"},
            "/data/attributes/relationship",
            "invalid relationship LOVES. Must be one of RELATES_TO, CAUSES, BLOCKS, DUPLICATES,"
            " PARENT_OF, SUCCESSOR_OF, ESCALATES_TO",
        ),
        (
            {"child_entity_type": "case"},
            "/data/attributes/child_entity_type",
            "invalid child_entity_type case. Must be one of CASE, INCIDENT, PAGE,"
            " AGENT_CONVERSATION",
        ),
        ({"parent_entity_id": None}, "/data/attributes/parent_entity_id", None),
    ],
)
def test_invalid_bodies_are_400(
    api: Client, two: tuple[str, str], change: dict[str, Any], pointer: str, detail: str | None
) -> None:
    a, b = two
    payload = body(a, b)
    payload["data"]["attributes"].update(change)
    r = api.post(BASE, json=payload)
    assert r.status_code == 400, r.text
    error = r.json()["errors"][0]
    assert error["source"] == {"pointer": pointer}
    if detail is not None:
        assert error["detail"] == detail
    assert links_of(api, a) == []


def test_missing_attribute_and_wrong_type_are_400(api: Client, two: tuple[str, str]) -> None:
    a, b = two
    payload = body(a, b)
    del payload["data"]["attributes"]["relationship"]
    r = api.post(BASE, json=payload)
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"pointer": "/data/attributes/relationship"}
    payload = body(a, b)
    payload["data"]["type"] = "case"
    r = api.post(BASE, json=payload)
    assert r.status_code == 400
    assert r.json() == bad_request('got type "case" expected one of "link"', pointer="/data/type")


def test_unknown_and_other_organisations_cases_are_404(
    api: Client, other_api: Client, two: tuple[str, str]
) -> None:
    a, b = two
    theirs = other_api.new_case(other_api.new_project()["id"], "Theirs")["id"]
    for parent, child in ((a, str(uuid.uuid4())), (str(uuid.uuid4()), a), (a, theirs)):
        r = api.post(BASE, json=body(parent, child))
        assert r.status_code == 404, r.text
        assert r.json() == CASE_NOT_FOUND
    # From the other organisation, our cases do not exist either.
    r = other_api.post(BASE, json=body(theirs, a))
    assert r.status_code == 404
    assert r.json() == CASE_NOT_FOUND
    assert links_of(api, a) == []

    mine = link(api, a, b)
    r = other_api.get(BASE, params={"entity_type": "CASE", "entity_id": a})
    assert r.status_code == 404
    assert r.json() == CASE_NOT_FOUND
    r = other_api.delete(f"{BASE}/{mine['id']}")
    assert r.status_code == 404
    assert r.json() == LINK_NOT_FOUND
    assert links_of(api, a) == [mine]


def test_list_of_unknown_case_is_404(api: Client) -> None:
    r = api.get(BASE, params={"entity_type": "CASE", "entity_id": str(uuid.uuid4())})
    assert r.status_code == 404
    assert r.json() == CASE_NOT_FOUND


@pytest.mark.parametrize(
    ("query", "parameter", "detail"),
    [
        ({}, "entity_type", "missing required query parameter entity_type"),
        ({"entity_type": "CASE"}, "entity_id", "missing required query parameter entity_id"),
        ({"entity_id": "X"}, "entity_type", "missing required query parameter entity_type"),
        (
            {"entity_type": "TICKET", "entity_id": str(uuid.UUID(int=1))},
            "entity_type",
            "invalid entity_type TICKET. Must be one of CASE, INCIDENT, PAGE, AGENT_CONVERSATION",
        ),
        ({"entity_type": "CASE", "entity_id": "SEC-1"}, "entity_id", "'SEC-1' is not a UUID"),
        (
            {"entity_type": "CASE", "entity_id": str(uuid.UUID(int=1)), "relationship": "x"},
            "relationship",
            "invalid relationship x. Must be one of RELATES_TO, CAUSES, BLOCKS, DUPLICATES,"
            " PARENT_OF, SUCCESSOR_OF, ESCALATES_TO",
        ),
        (
            {"entity_type": ["CASE", "PAGE"], "entity_id": str(uuid.UUID(int=1))},
            "entity_type",
            "entity_type may be given once",
        ),
    ],
)
def test_bad_list_queries_are_400(
    api: Client, query: dict[str, Any], parameter: str, detail: str
) -> None:
    r = api.get(BASE, params=query)
    assert r.status_code == 400, r.text
    assert r.json() == bad_request(detail, parameter=parameter)


def test_bad_link_id_is_400(api: Client) -> None:
    r = api.delete(f"{BASE}/nope")
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"parameter": "link_id"}
    r = api.delete(f"{BASE}/{uuid.uuid4()}")
    assert r.status_code == 404
    assert r.json() == LINK_NOT_FOUND


def test_scopes(readonly_api: Client, api: Client, two: tuple[str, str]) -> None:
    a, b = two
    assert readonly_api.post(BASE, json=body(a, b)).status_code == 403
    mine = link(api, a, b)
    assert readonly_api.get(BASE, params={"entity_type": "CASE", "entity_id": a}).status_code == 200
    assert readonly_api.delete(f"{BASE}/{mine['id']}").status_code == 403
    assert links_of(api, a) == [mine]


def test_routes_do_not_collide_with_cases(api: Client, two: tuple[str, str]) -> None:
    a, _ = two
    # /cases/link is the link collection, not GetCase("link"); cases still resolve.
    assert api.get(BASE).json()["errors"][0]["source"] == {"parameter": "entity_type"}
    assert api.get(f"/api/v2/cases/{a}").status_code == 200
    assert api.get(f"{BASE}/{uuid.uuid4()}").status_code == 405  # only DELETE there


def test_archived_cases_can_be_linked(api: Client, two: tuple[str, str]) -> None:
    a, b = two
    assert (
        api.post(f"/api/v2/cases/{a}/archive", json={"data": {"type": "case"}}).status_code == 200
    )
    made = link(api, b, a, "DUPLICATES")
    assert api.delete(f"{BASE}/{made['id']}").status_code == 204


def test_deleting_a_project_removes_its_links(server: Server, api: Client, keys: Keys) -> None:
    doomed, kept = api.new_project(), api.new_project()
    d1, d2 = (api.new_case(doomed["id"], t)["id"] for t in ("D1", "D2"))
    k1 = api.new_case(kept["id"], "K1")["id"]
    inside = link(api, d1, d2)
    outward = link(api, d1, k1, "CAUSES")
    inward = link(api, k1, d2, "RELATES_TO")
    incident = link(api, d2, str(uuid.uuid4()), "ESCALATES_TO", child_type="INCIDENT")
    survivor = link(api, k1, str(uuid.uuid4()), "BLOCKS", child_type="PAGE")

    assert api.delete(f"/api/v2/cases/projects/{doomed['id']}").status_code == 204

    ids = {r["id"] for r in fetch(server, "SELECT id FROM case_links")}
    for gone in (inside, outward, inward, incident):
        assert gone["id"] not in ids
    assert survivor["id"] in ids
    assert links_of(api, k1) == [survivor]
    # The surviving case's record says its links went, and why.
    unlinked = [e for e in events(server, k1) if e["action"] == "case.unlinked"]
    assert sorted(e["details"]["link_id"] for e in unlinked) == sorted(
        [outward["id"], inward["id"]]
    )
    assert {e["actor_id"] for e in unlinked} == {keys.user_id}


def test_deleting_an_empty_or_unknown_project(api: Client) -> None:
    empty = api.new_project()
    assert api.delete(f"/api/v2/cases/projects/{empty['id']}").status_code == 204
    assert api.delete(f"/api/v2/cases/projects/{empty['id']}").status_code == 404


@pytest.fixture
def cm(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


def test_datadog_client_round_trip(cm: CaseManagementApi, two: tuple[str, str]) -> None:
    a, b = two
    request = CaseLinkCreateRequest(
        data=CaseLinkCreate(
            type=CaseLinkResourceType.LINK,
            attributes=CaseLinkAttributes(
                parent_entity_type="CASE",
                parent_entity_id=a,
                child_entity_type="CASE",
                child_entity_id=b,
                relationship="BLOCKS",
            ),
        )
    )
    created = cm.create_case_link(body=request).data
    assert str(created.type) == "link"
    assert created.attributes.parent_entity_id == a
    assert created.attributes.relationship == "BLOCKS"
    listed = cm.list_case_links(entity_type="CASE", entity_id=b).data
    assert [x.id for x in listed] == [created.id]
    assert cm.list_case_links(entity_type="CASE", entity_id=b, relationship="CAUSES").data == []
    with pytest.raises(ApiException) as conflict:
        cm.create_case_link(body=request)
    assert conflict.value.status == 409
    cm.delete_case_link(link_id=created.id)
    assert cm.list_case_links(entity_type="CASE", entity_id=a).data == []
    with pytest.raises(NotFoundException):
        cm.delete_case_link(link_id=created.id)


def test_links_racing_a_project_deletion_leave_no_orphans(server: Server, api: Client) -> None:
    doomed, kept = api.new_project(), api.new_project()
    inside = [api.new_case(doomed["id"], f"D{i}")["id"] for i in range(4)]
    outside = [api.new_case(kept["id"], f"K{i}")["id"] for i in range(4)]
    pairs = [(d, k) for d in inside for k in outside]
    existing = [link(api, d, k, "CAUSES")["id"] for d, k in pairs[::3]]

    def client() -> Client:
        c = server.client(None)
        c.session.headers.update(api.session.headers)
        return c

    def create(pair: tuple[str, str]) -> int:
        d, k = pair
        return client().post(BASE, json=body(k, d, "BLOCKS")).status_code

    def unlink(link_id: str) -> int:
        return client().delete(f"{BASE}/{link_id}").status_code

    def delete() -> int:
        return client().delete(f"/api/v2/cases/projects/{doomed['id']}").status_code

    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(create, p) for p in pairs[:8]]
        jobs += [pool.submit(unlink, i) for i in existing[:3]]
        deletion = pool.submit(delete)
        jobs += [pool.submit(create, p) for p in pairs[8:]]
        jobs += [pool.submit(unlink, i) for i in existing[3:]]
        assert deletion.result() == 204
        assert {f.result() for f in jobs} <= {201, 204, 404}

    orphans = fetch(
        server,
        "SELECT l.id FROM case_links l WHERE (l.parent_entity_type = 'CASE' AND NOT EXISTS"
        " (SELECT 1 FROM cases c WHERE c.id = l.parent_entity_id)) OR (l.child_entity_type ="
        " 'CASE' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = l.child_entity_id))",
    )
    assert orphans == []
    for k in outside:
        assert links_of(api, k) == []


def test_concurrent_duplicates_make_one_link(
    server: Server, api: Client, two: tuple[str, str]
) -> None:
    a, b = two

    def create(i: int) -> int:
        c = server.client(None)
        c.session.headers.update(api.session.headers)
        ends = (a, b) if i % 2 else (b, a)
        return c.post(BASE, json=body(*ends, "RELATES_TO")).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(create, range(20)))
    assert statuses == [201] + [409] * 19
    assert len(links_of(api, a)) == 1
