"""`opencase users create` and `opencase users list`: people to assign cases to, without keys."""

from __future__ import annotations

import json
import uuid
from typing import Any

from conftest import Client, Keys, Server


def _email(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@acme.test"


def _users(server: Server, org: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads(
        server.cli("users", "list", "--org", org, "--json").stdout
    )
    return result


def test_create_then_list(server: Server, keys: Keys) -> None:
    email = _email("carol")
    out = server.cli(
        "users", "create", "--org", "acme", "--email", email, "--name", "Carol C",
        "--handle", "carol", "--json",
    )  # fmt: skip
    carol = json.loads(out.stdout)
    assert carol == {
        "id": carol["id"],
        "email": email,
        "name": "Carol C",
        "handle": "carol",
        "active": True,
        "org": "acme",
    }
    uuid.UUID(carol["id"])
    listed = _users(server, "acme")
    assert {k: v for k, v in carol.items() if k != "org"} in listed
    assert keys.user_id in {u["id"] for u in listed}  # users made by `keys create` too
    assert [u["email"] for u in listed] == sorted(u["email"] for u in listed)


def test_defaults_for_name_and_handle(server: Server) -> None:
    email = _email("dave")
    dave = json.loads(
        server.cli("users", "create", "--org", "acme", "--email", email, "--json").stdout
    )
    assert (dave["name"], dave["handle"]) == (email.split("@")[0], email)


def test_plain_output(server: Server) -> None:
    email = _email("erin")
    out = server.cli("users", "create", "--org", "acme", "--email", email)
    assert email in out.stdout
    listed = server.cli("users", "list", "--org", "acme").stdout
    line = next(line for line in listed.splitlines() if email in line)
    assert line.endswith("active")


def test_lists_only_the_organisations_users(server: Server, other_api: Client) -> None:
    email = _email("frank")
    server.cli("users", "create", "--org", "acme", "--email", email)
    globex = _users(server, "globex")
    assert globex
    assert email not in {u["email"] for u in globex}
    assert "alice@acme.test" not in {u["email"] for u in globex}


def test_refusals_exit_2_and_change_nothing(server: Server, keys: Keys) -> None:
    email = _email("gus")
    server.cli("users", "create", "--org", "acme", "--email", email)
    before = _users(server, "acme")
    cases = [
        (["--org", "acme", "--email", email], "already has a user"),
        (["--org", "no-such-org", "--email", _email()], "organisation 'no-such-org' not found"),
        (["--org", "acme", "--email", "not-an-email"], "is not an email address"),
        (["--org", "acme", "--email", _email(), "--name", "  "], "must not be blank"),
    ]
    for args, message in cases:
        r = server.cli("users", "create", *args, check=False)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert message in r.stderr
        assert r.stdout == ""
    assert _users(server, "acme") == before
    r = server.cli("users", "list", "--org", "no-such-org", check=False)
    assert r.returncode == 2
    assert "not found" in r.stderr


def test_created_user_can_be_assigned_and_is_included(
    server: Server, api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    email = _email("hana")
    hana = json.loads(
        server.cli(
            "users", "create", "--org", "acme", "--email", email, "--name", "Hana", "--json"
        ).stdout
    )
    case = api.new_case(project["id"])
    body = {"data": {"type": "case", "attributes": {"assignee_id": hana["id"]}}}
    r = api.post(f"/api/v2/cases/{case['id']}/assign", json=body)
    assert r.status_code == 200, r.text
    [included] = [u for u in r.json()["included"] if u["id"] == hana["id"]]
    assert included == {
        "id": hana["id"],
        "type": "user",
        "attributes": {"active": True, "email": email, "handle": email, "name": "Hana"},
    }
    # Another organisation cannot assign its cases to her.
    other_case = other_api.new_case(other_api.new_project()["id"])
    r = other_api.post(f"/api/v2/cases/{other_case['id']}/assign", json=body)
    assert r.status_code == 404
    assert r.json()["errors"][0]["title"] == "user not found"
