"""CommentCase, UpdateCaseComment and DeleteCaseComment over HTTP, on both engines."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from case_db import fetch
from conftest import Client, Keys, Server

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
MAX = 65_536


def body(text: Any) -> dict[str, Any]:
    return {"data": {"type": "case", "attributes": {"comment": text}}}


def comment(api: Client, case_ref: str, text: str = "Hello World !") -> dict[str, Any]:
    r = api.post(f"/api/v2/cases/{case_ref}/comment", json=body(text))
    assert r.status_code == 200, r.text
    cells = r.json()["data"]
    assert len(cells) == 1
    return cells[0]


def get_case(api: Client, case_id: str) -> dict[str, Any]:
    r = api.get(f"/api/v2/cases/{case_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def timeline(api: Client, case_id: str, **params: Any) -> list[dict[str, Any]]:
    r = api.get(f"/api/v2/cases/{case_id}/timelines", params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def comments_of(api: Client, case_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in timeline(api, case_id, **{"page[size]": 1000})
        if c["attributes"]["type"] == "COMMENT"
    ]


@pytest.fixture
def case(api: Client, project: dict[str, Any]) -> dict[str, Any]:
    return api.new_case(project["id"], "Discussed")


@pytest.fixture(scope="session")
def bob(server: Server) -> Keys:
    """A second user of `acme` with every scope."""
    return server.create_keys("acme", "bob@acme.test")


# CommentCase ---------------------------------------------------------------------------


def test_comment_returns_the_new_cell(api: Client, keys: Keys, case: dict[str, Any]) -> None:
    r = api.post(f"/api/v2/cases/{case['id']}/comment", json=body("Hello World !"))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/vnd.api+json")
    [cell] = r.json()["data"]
    assert UUID_RE.match(cell["id"])
    assert cell["type"] == "timeline_cell"
    attrs = cell["attributes"]
    assert attrs["type"] == "COMMENT"
    assert attrs["cell_content"] == {"message": "Hello World !"}
    assert attrs["content"] == '{"message":"Hello World !"}'  # the real server's extra field
    assert TIME_RE.match(attrs["created_at"])
    assert "modified_at" not in attrs and "deleted_at" not in attrs
    assert attrs["author"] == {
        "type": "USER",
        "content": {
            "id": keys.user_id,
            "email": "alice@acme.test",
            "handle": "alice@acme.test",
            "name": "alice",
            "active": True,
        },
    }


def test_comment_counts_and_bumps_modified(api: Client, keys: Keys, case: dict[str, Any]) -> None:
    assert case["attributes"]["comment_count"] == 0
    cell = comment(api, case["id"])
    after = get_case(api, case["id"])
    assert after["attributes"]["comment_count"] == 1
    assert after["attributes"]["modified_at"] == cell["attributes"]["created_at"]
    assert after["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    comment(api, case["attributes"]["key"].lower(), "by key, any case")
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 2


def test_comment_keeps_the_text_exactly(api: Client, case: dict[str, Any]) -> None:
    text = '  **Markdown** ✓\n\n- line with "quotes" and \\ backslash  '
    cell = comment(api, case["id"], text)
    assert cell["attributes"]["cell_content"]["message"] == text
    [listed] = comments_of(api, case["id"])
    assert listed["attributes"]["cell_content"]["message"] == text


def test_comment_length_limits(api: Client, case: dict[str, Any]) -> None:
    assert len(comment(api, case["id"], "x" * MAX)["attributes"]["cell_content"]["message"]) == MAX
    for bad in ["", "   \n\t", "y" * (MAX + 1)]:
        r = api.post(f"/api/v2/cases/{case['id']}/comment", json=body(bad))
        assert r.status_code == 400, (len(bad), r.text)
        [error] = r.json()["errors"]
        assert error["status"] == "400"
        assert error["source"] == {"pointer": "/data/attributes/comment"}
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 1


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"data": {"type": "case", "attributes": {}}}, "/data/attributes/comment"),
        ({"data": {"type": "case", "attributes": {"comment": 42}}}, "/data/attributes/comment"),
        ({"data": {"type": "project", "attributes": {"comment": "x"}}}, "/data/type"),
        ({"data": {"type": "case"}}, "/data/attributes"),
        ({}, "/data"),
    ],
)
def test_comment_body_validation(
    api: Client, case: dict[str, Any], payload: dict[str, Any], pointer: str
) -> None:
    r = api.post(f"/api/v2/cases/{case['id']}/comment", json=payload)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["source"]["pointer"] == pointer
    if pointer == "/data/type":
        assert r.json()["errors"][0]["detail"] == 'got type "project" expected one of "case"'


def test_comment_malformed_or_missing_body(api: Client, case: dict[str, Any]) -> None:
    for data in [b"", b"{not json"]:
        r = api.post(f"/api/v2/cases/{case['id']}/comment", data=data)
        assert r.status_code == 400, r.text
        assert r.json()["errors"][0]["source"] == {"pointer": ""}


def test_comment_unknown_foreign_or_malformed_case(
    api: Client, other_api: Client, case: dict[str, Any]
) -> None:
    for ref in [str(uuid.uuid4()), "NOPE-1"]:
        r = api.post(f"/api/v2/cases/{ref}/comment", json=body("x"))
        assert r.status_code == 404, r.text
        assert r.json() == {
            "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
        }
    for ref in [case["id"], case["attributes"]["key"]]:
        r = other_api.post(f"/api/v2/cases/{ref}/comment", json=body("x"))
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["title"] == "case not found"
    r = api.post("/api/v2/cases/not-a-case!/comment", json=body("x"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"parameter": "case_id"}
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 0


def test_comment_needs_a_key_pair_but_no_scope(
    server: Server, readonly_api: Client, case: dict[str, Any]
) -> None:
    r = server.client(None).post(f"/api/v2/cases/{case['id']}/comment", json=body("x"))
    assert r.status_code == 401
    bad = Client(server.base_url, "nope", "nope")
    assert bad.post(f"/api/v2/cases/{case['id']}/comment", json=body("x")).status_code == 403
    # The spec lists no scope for CommentCase: a cases_read key may comment.
    assert comment(readonly_api, case["id"])["attributes"]["type"] == "COMMENT"


# UpdateCaseComment ---------------------------------------------------------------------


def test_update_comment(api: Client, keys: Keys, case: dict[str, Any]) -> None:
    cell = comment(api, case["id"], "first")
    before = get_case(api, case["id"])["attributes"]["modified_at"]
    r = api.put(f"/api/v2/cases/{case['id']}/comment/{cell['id']}", json=body("second"))
    assert r.status_code == 200, r.text
    [updated] = r.json()["data"]
    attrs = updated["attributes"]
    assert updated["id"] == cell["id"]
    assert attrs["cell_content"] == {"message": "second"}
    assert attrs["content"] == '{"message":"second"}'
    assert attrs["created_at"] == cell["attributes"]["created_at"]
    assert attrs["modified_at"] > attrs["created_at"]
    after = get_case(api, case["id"])["attributes"]
    assert after["comment_count"] == 1
    assert after["modified_at"] == attrs["modified_at"] > before
    [listed] = comments_of(api, case["id"])
    assert listed == updated
    edits = [c for c in timeline(api, case["id"]) if c["attributes"]["type"] == "COMMENT_UPDATED"]
    assert len(edits) == 1
    content = edits[0]["attributes"]["cell_content"]
    assert content == {
        "message": "Comment edited",
        "action": "comment.updated",
        "details": {"cell_id": cell["id"]},
    }
    assert edits[0]["attributes"]["author"]["content"]["id"] == keys.user_id


def test_update_keeps_previous_text_in_the_record_only(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    cell = comment(api, case["id"], "oops, a secret")
    r = api.put(f"/api/v2/cases/{case['id']}/comment/{cell['id']}", json=body("redacted"))
    assert r.status_code == 200
    rows = fetch(
        server,
        "SELECT details FROM case_events WHERE case_id = $1 AND action = 'comment.updated'",
        case["id"],
    )
    assert len(rows) == 1 and "oops, a secret" in rows[0]["details"]
    listed = api.get(f"/api/v2/cases/{case['id']}/timelines").text
    assert "oops, a secret" not in listed


def test_update_to_the_same_text_changes_nothing(api: Client, case: dict[str, Any]) -> None:
    cell = comment(api, case["id"], "same")
    before = get_case(api, case["id"])
    r = api.put(f"/api/v2/cases/{case['id']}/comment/{cell['id']}", json=body("same"))
    assert r.status_code == 200
    assert "modified_at" not in r.json()["data"][0]["attributes"]
    assert get_case(api, case["id"]) == before
    types = [c["attributes"]["type"] for c in timeline(api, case["id"])]
    assert "COMMENT_UPDATED" not in types


def test_update_validation(api: Client, case: dict[str, Any]) -> None:
    cell = comment(api, case["id"], "keep me")
    path = f"/api/v2/cases/{case['id']}/comment/{cell['id']}"
    for bad in ["", " ", "z" * (MAX + 1)]:
        r = api.put(path, json=body(bad))
        assert r.status_code == 400, r.text
        assert r.json()["errors"][0]["source"] == {"pointer": "/data/attributes/comment"}
    r = api.put(path, json={"data": {"type": "cases", "attributes": {"comment": "x"}}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"pointer": "/data/type"}
    [listed] = comments_of(api, case["id"])
    assert listed["attributes"]["cell_content"]["message"] == "keep me"


def test_only_the_author_may_edit_or_delete(
    server: Server, api: Client, bob: Keys, case: dict[str, Any]
) -> None:
    cell = comment(api, case["id"], "alice's")
    bob_api = server.client(bob)
    path = f"/api/v2/cases/{case['id']}/comment/{cell['id']}"
    for r in [bob_api.put(path, json=body("bob's now")), bob_api.delete(path)]:
        assert r.status_code == 403, r.text
        assert r.json() == {
            "errors": [
                {
                    "status": "403",
                    "title": "Forbidden",
                    "detail": "only the author of a comment may edit or delete it",
                }
            ]
        }
    [listed] = comments_of(api, case["id"])
    assert listed["attributes"]["cell_content"]["message"] == "alice's"
    # Bob's own comment is his to edit.
    mine = comment(bob_api, case["id"], "bob's")
    r = bob_api.put(f"/api/v2/cases/{case['id']}/comment/{mine['id']}", json=body("bob's, edited"))
    assert r.status_code == 200, r.text


def test_update_needs_cases_write(readonly_api: Client, case: dict[str, Any]) -> None:
    cell = comment(readonly_api, case["id"], "reader's")
    r = readonly_api.put(f"/api/v2/cases/{case['id']}/comment/{cell['id']}", json=body("x"))
    assert r.status_code == 403
    assert "cases_write" in r.json()["errors"][0]["detail"]


# DeleteCaseComment ---------------------------------------------------------------------


def test_delete_comment(api: Client, keys: Keys, case: dict[str, Any]) -> None:
    keep = comment(api, case["id"], "keep")
    gone = comment(api, case["id"], "delete me")
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 2
    r = api.delete(f"/api/v2/cases/{case['id']}/comment/{gone['id']}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    after = get_case(api, case["id"])["attributes"]
    assert after["comment_count"] == 1
    assert after["modified_at"] > gone["attributes"]["created_at"]
    assert [c["id"] for c in comments_of(api, case["id"])] == [keep["id"]]
    cells = timeline(api, case["id"])
    deleted = [c for c in cells if c["attributes"]["type"] == "COMMENT_DELETED"]
    assert len(deleted) == 1
    assert deleted[0]["attributes"]["cell_content"] == {
        "message": "Comment deleted",
        "action": "comment.deleted",
        "details": {"cell_id": gone["id"]},
    }
    assert cells[0] == deleted[0]  # newest first
    assert "delete me" not in api.get(f"/api/v2/cases/{case['id']}/timelines").text
    # Gone: a second delete or an edit no longer finds it, and nothing changes.
    for r in [
        api.delete(f"/api/v2/cases/{case['id']}/comment/{gone['id']}"),
        api.put(f"/api/v2/cases/{case['id']}/comment/{gone['id']}", json=body("back")),
    ]:
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["title"] == "timeline cell not found"
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 1


def test_delete_needs_no_scope(readonly_api: Client, case: dict[str, Any]) -> None:
    cell = comment(readonly_api, case["id"], "reader's")
    r = readonly_api.delete(f"/api/v2/cases/{case['id']}/comment/{cell['id']}")
    assert r.status_code == 204, r.text


# Paths, tenants and archived cases ---------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_cell_id_must_be_a_uuid(api: Client, case: dict[str, Any], method: str) -> None:
    r = api.request(method, f"/api/v2/cases/{case['id']}/comment/not-a-uuid", json=body("x"))
    assert r.status_code == 400, r.text
    assert r.json() == {
        "errors": [
            {
                "status": "400",
                "title": "Invalid Parameter",
                "detail": 'invalid parameter "cell_id" in "path"; expected type "uuid"',
                "source": {"parameter": "cell_id"},
            }
        ]
    }


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_unknown_cells_are_404(
    api: Client, project: dict[str, Any], case: dict[str, Any], method: str
) -> None:
    elsewhere = api.new_case(project["id"], "Elsewhere")
    foreign_cell = comment(api, elsewhere["id"])["id"]
    created_event = timeline(api, case["id"])[0]  # CASE_CREATED: a cell, but not a comment
    assert created_event["attributes"]["type"] == "CASE_CREATED"
    for cell_id in [str(uuid.uuid4()), foreign_cell, created_event["id"]]:
        r = api.request(method, f"/api/v2/cases/{case['id']}/comment/{cell_id}", json=body("x"))
        assert r.status_code == 404, r.text
        assert r.json() == {
            "errors": [
                {"status": "404", "code": "resource_not_found", "title": "timeline cell not found"}
            ]
        }
    r = api.request(method, f"/api/v2/cases/{uuid.uuid4()}/comment/{foreign_cell}", json=body("x"))
    assert r.status_code == 404
    assert r.json()["errors"][0]["title"] == "case not found"


def test_other_organisation_gets_404(api: Client, other_api: Client, case: dict[str, Any]) -> None:
    cell = comment(api, case["id"], "acme only")
    path = f"/api/v2/cases/{case['id']}/comment/{cell['id']}"
    for r in [
        other_api.put(path, json=body("globex was here")),
        other_api.delete(path),
        other_api.get(f"/api/v2/cases/{case['id']}/timelines"),
    ]:
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["title"] == "case not found"
    [listed] = comments_of(api, case["id"])
    assert listed["attributes"]["cell_content"]["message"] == "acme only"


def test_archived_cases_refuse_comment_changes(api: Client, case: dict[str, Any]) -> None:
    cell = comment(api, case["id"], "before archiving")
    empty = {"data": {"type": "case"}}
    assert api.post(f"/api/v2/cases/{case['id']}/archive", json=empty).status_code == 200
    path = f"/api/v2/cases/{case['id']}/comment/{cell['id']}"
    for r in [
        api.post(f"/api/v2/cases/{case['id']}/comment", json=body("after")),
        api.put(path, json=body("edited")),
        api.delete(path),
    ]:
        assert r.status_code == 400, r.text
        assert "archived" in r.json()["errors"][0]["detail"]
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 1
    # Still readable while archived; writable again once unarchived.
    assert len(comments_of(api, case["id"])) == 1
    assert api.post(f"/api/v2/cases/{case['id']}/unarchive", json=empty).status_code == 200
    assert api.put(path, json=body("edited")).status_code == 200
    comment(api, case["id"], "after")
    assert get_case(api, case["id"])["attributes"]["comment_count"] == 2


# Concurrency ---------------------------------------------------------------------------


def test_comment_count_exact_under_concurrency(
    server: Server, keys: Keys, api: Client, case: dict[str, Any]
) -> None:
    n = 30
    barrier = threading.Barrier(n, timeout=60)

    def post(i: int) -> str:
        client = server.client(keys)
        barrier.wait()
        r = client.post(f"/api/v2/cases/{case['id']}/comment", json=body(f"racer {i}"))
        assert r.status_code == 200, r.text
        return str(r.json()["data"][0]["id"])

    with ThreadPoolExecutor(n) as pool:
        ids = list(pool.map(post, range(n)))
    assert len(set(ids)) == n
    assert get_case(api, case["id"])["attributes"]["comment_count"] == n
    listed = comments_of(api, case["id"])
    assert sorted(c["id"] for c in listed) == sorted(ids)
    times = [c["attributes"]["created_at"] for c in listed]
    assert len(set(times)) == n  # each comment has its own moment in the record

    half = ids[: n // 2]
    barrier = threading.Barrier(len(half), timeout=60)

    def delete(cell_id: str) -> int:
        client = server.client(keys)
        barrier.wait()
        return client.delete(f"/api/v2/cases/{case['id']}/comment/{cell_id}").status_code

    with ThreadPoolExecutor(len(half)) as pool:
        assert set(pool.map(delete, half)) == {204}
    assert get_case(api, case["id"])["attributes"]["comment_count"] == n - len(half)
    assert len(comments_of(api, case["id"])) == n - len(half)
