"""`opencase export` and `opencase import` from the outside, on both engines.

An organisation is built over HTTP on the session's server (projects, a custom case type with
attribute configs, cases with attributes, status changes, an assignee, an archived and a moved
case, insights, comments edited and deleted, watchers) and exported with the CLI while that
server runs. Each test imports the file into a fresh, empty database of its own (the `target`
fixture), serves it when it compares through the API, and reads it back with the CLI.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import Client, Keys, Server, dispose_server, make_server
from test_case_move import moved
from test_comments import body as comment_body
from test_comments import comment
from test_custom_attributes import new_config, new_type, set_value, value_body
from test_insights import delete as remove_insights
from test_insights import ins, ok
from test_insights import put as add_insights
from test_projects import patch_body
from test_timeline import EMPTY, timeline
from test_watchers import watchers

ALICE, BOB, CAROL = "alice@xfer.test", "bob@xfer.test", "carol@xfer.test"
REGIONS = {"options": [{"value": v} for v in ("us-east-1", "eu-west-3")]}


def opencase(srv: Server, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The CLI on `srv`'s database (stdout and stderr as bytes, any exit status)."""
    return subprocess.run(
        [sys.executable, "-m", "opencase", *args],
        env=srv.env,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def export(srv: Server, org: str, *args: str) -> bytes:
    out = opencase(srv, "export", "--org", org, *args)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout


def import_path(srv: Server, org: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return srv.cli("import", str(path), "--org", org, *args, check=False)


def lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines()]


def case_lines(data: bytes) -> list[dict[str, Any]]:
    return [record for record in lines(data) if record["kind"] == "case"]


def edit(api: Client, case_id: str, what: str, **attributes: Any) -> dict[str, Any]:
    """POST /api/v2/cases/{case_id}/{what} with `attributes` (none: an empty body)."""
    payload = {"data": {"type": "case", "attributes": attributes}} if attributes else EMPTY
    return ok(api.post(f"/api/v2/cases/{case_id}/{what}", json=payload))


# --------------------------------------------------------------------------- the organisation


@dataclass
class World:
    """The organisation on the session's server, and its export."""

    server: Server
    org: str
    alice: Keys
    api: Client
    cases: dict[str, str] = field(default_factory=dict)  # a name in the test -> case id
    exported: bytes = b""
    path: Path = Path()


def build(server: Server, org: str) -> World:
    """Everything the format carries, made through the API."""
    alice = server.create_keys(org, ALICE)
    bob = server.create_keys(org, BOB)
    carol = json.loads(
        server.cli(
            "users", "create", "--org", org, "--email", CAROL, "--name", "Carol", "--json"
        ).stdout
    )["id"]
    api, bob_api = server.client(alice), server.client(bob)
    world = World(server=server, org=org, alice=alice, api=api)
    sec, ops = api.new_project("SEC", "Security"), api.new_project("OPS", "Operations")
    cloud = new_type(api, "Cloud")
    new_config(api, cloud["id"], "SELECT", True, key="region", type_data=REGIONS)
    new_config(api, cloud["id"], "NUMBER", False, key="score", display_name="Score")
    ok(api.patch(f"/api/v2/cases/projects/{sec['id']}", json=patch_body(
        enabled_custom_case_types=[cloud["id"]])))  # fmt: skip
    legacy = new_type(api, "Legacy")

    def case(name: str, project: dict[str, Any], title: str, **attributes: Any) -> str:
        world.cases[name] = api.new_case(project["id"], title, **attributes)["id"]
        return world.cases[name]

    # A triaged case under discussion, with evidence and watchers.
    login = case(
        "login",
        sec,
        "Suspicious login",
        priority="P1",
        description="Seen from **two** countries",
    )
    edit(api, login, "attributes", attributes={"service": ["case-api"], "team": ["red", "blue"]})
    edit(api, login, "status", status_name="In Progress")
    edit(api, login, "assign", assignee_id=carol)
    ok(add_insights(api, login, [ins("SECURITY_SIGNAL", "sig-1"), ins("MONITOR", "12345")]))
    ok(add_insights(api, login, [ins("INCIDENT", "77"), ins("MONITOR", "12345", "/m/12345?v=2")]))
    ok(remove_insights(api, login, [ins("SECURITY_SIGNAL", "sig-1")]))
    first = comment(api, login, "Looking at it")
    comment(bob_api, login, "Same IP as last week")
    doomed = comment(api, login, "Wrong case, sorry")
    r = api.put(f"/api/v2/cases/{login}/comment/{first['id']}", json=comment_body("On it"))
    assert r.status_code == 200, r.text
    assert api.delete(f"/api/v2/cases/{login}/comment/{doomed['id']}").status_code == 204
    for user in (alice.user_id, bob.user_id, carol):
        assert api.post(f"/api/v2/cases/{login}/watchers/{user}").status_code == 201
    assert api.delete(f"/api/v2/cases/{login}/watchers/{carol}").status_code == 204

    # A closed case of the custom type, with custom attribute values.
    region = case(
        "region",
        sec,
        "Bucket open to the world",
        type_id=cloud["id"],
        priority="P2",
        custom_attributes={"region": {"type": "SELECT", "is_multi": True, "value": ["eu-west-3"]}},
    )
    ok(set_value(api, region, "score", value_body("NUMBER", False, 42)))
    edit(api, region, "due_date", due_date="2030-06-30")
    edit(api, region, "status", status_name="Closed")
    edit(api, region, "resolved_reason", security_resolved_reason="FALSE_POSITIVE")
    ok(add_insights(api, region, [ins(t, f"r-{n}") for n, t in enumerate(("WIDGET", "SCM_URL"))]))

    # Archived (after evidence and a comment), moved (its old key keeps working), reassigned.
    archived = case("archived", sec, "Old phishing wave", priority="P1")
    ok(add_insights(api, archived, [ins("EVENT", "e-1"), ins("ERROR_TRACKING", "err-9")]))
    comment(api, archived, "Closing the books")
    edit(api, archived, "archive")
    ops_first = case("ops_first", ops, "Disk full on db-3", priority="P3")
    edit(api, ops_first, "assign", assignee_id=bob.user_id)
    edit(api, ops_first, "unassign")
    edit(api, ops_first, "title", title="Disk full on db-3 (again)")
    movable = case("moved", sec, "Filed in the wrong project")
    assert moved(api, movable, ops["id"])["attributes"]["key"] == "OPS-2"
    assert api.post(f"/api/v2/cases/{movable}/watchers/{bob.user_id}").status_code == 201
    # A case whose type was deleted afterwards keeps it.
    case("legacy", ops, "From the old process", type_id=legacy["id"], priority="P1")
    assert api.delete(f"/api/v2/cases/types/{legacy['id']}").status_code == 204
    case("plain", ops, "Nothing happened yet")
    return world


@pytest.fixture(scope="module")
def world(server: Server, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The organisation, exported with `--output` while its server keeps running."""
    world = build(server, f"xfer-{uuid.uuid4().hex[:8]}")
    world.path = tmp_path_factory.mktemp("transfer") / "export.jsonl"
    out = opencase(server, "export", "--org", world.org, "--output", str(world.path))
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == b""
    assert not world.path.with_name("export.jsonl.partial").exists()
    world.exported = world.path.read_bytes()
    return world


@pytest.fixture
def target(server: Server, tmp_path: Path) -> Iterator[Server]:
    """A server (not started) on a fresh, empty database of the world's engine."""
    srv = make_server(server.engine, tmp_path)
    yield srv
    log = srv.log_text()
    dispose_server(srv)
    assert "Traceback" not in log, log[-5000:]


def view(srv: Server, api: Client, world: World) -> dict[str, Any]:
    """What the API (and `users list`) shows of the world's organisation."""
    pages = {"page[size]": 1000, "sort[ascending]": "true"}
    counted = api.get("/api/v2/cases/count", params={"group_bys": "status,priority"})
    shown: dict[str, Any] = {
        "projects": ok(api.get("/api/v2/cases/projects")),
        "types": ok(api.get("/api/v2/cases/types")),
        "configs": ok(api.get("/api/v2/cases/types/custom_attributes")),
        "users": json.loads(srv.cli("users", "list", "--org", world.org, "--json").stdout),
        "old key": ok(api.get("/api/v2/cases/sec-4"))["id"],
        "P1": [c["id"] for c in ok(api.get("/api/v2/cases", params={"filter": "priority:P1"}))],
        "count": ok(counted)["attributes"],  # (its id is new each time)
    }
    for name, case_id in world.cases.items():
        r = api.get(f"/api/v2/cases/{case_id}")
        assert r.status_code == 200, r.text
        shown[name] = {
            "case": r.json(),
            "timeline": timeline(api, case_id, **pages),
            "watchers": watchers(api, case_id),
        }
    return shown


def same_view(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal views, compared part by part (a difference names its part)."""
    assert list(got) == list(expected)
    for view_ in (got, expected):
        for part in view_.values():
            if isinstance(part, dict) and "case" in part:
                # The users a case names come in no particular order (the database's).
                part["case"]["included"].sort(key=lambda user: user["id"])
    for part, shown in expected.items():
        assert got[part] == shown, part


def serve(srv: Server, world: World) -> Client:
    """Start `srv` and return a client of the world's organisation on it (alice's new keys)."""
    keys = srv.create_keys(world.org, ALICE)
    assert keys.user_id == world.alice.user_id  # the imported user, not a new one
    srv.start()
    return srv.client(keys)


SUMMARY = re.compile(
    r"imported ([\d,]+) cases, ([\d,]+) insights, ([\d,]+) events in \d+\.\d s \((.*)\)"
)


def totals(data: bytes) -> tuple[int, int, int]:
    cases = case_lines(data)
    return len(cases), sum(len(c["insights"]) for c in cases), sum(len(c["events"]) for c in cases)


# --------------------------------------------------------------------------- round trip


def test_the_export_holds_the_whole_organisation(world: World) -> None:
    records = lines(world.exported)
    assert records[0] == {"kind": "header", "format": "opencase-export", "version": 1}
    kinds = [r["kind"] for r in records]
    order = ["header", "org", "user", "case_type", "custom_attribute", "project", "case"]
    assert kinds == sorted(kinds, key=order.index)
    assert set(kinds) == set(order)
    assert [r["email"] for r in records if r["kind"] == "user"] == [ALICE, BOB, CAROL]
    assert [r["key"] for r in records if r["kind"] == "project"] == ["OPS", "SEC"]
    cases = {c["id"]: c for c in case_lines(world.exported)}
    assert list(cases) == list(world.cases.values())  # by public id
    moved_case = cases[world.cases["moved"]]
    assert (moved_case["key"], moved_case["keys"]) == ("OPS-2", ["OPS-2", "SEC-4"])
    login = cases[world.cases["login"]]
    comments = [e for e in login["events"] if e["action"] == "comment"]
    assert [c["modified_at"] is not None for c in comments] == [True, False, False]
    assert [c["deleted_at"] is not None for c in comments] == [False, False, True]
    # Exporting again (the server still running) gives the same bytes.
    assert export(world.server, world.org) == world.exported


def test_round_trip_into_an_empty_database(world: World, target: Server) -> None:
    """Imported into an empty database, the organisation shows the same through the API, and
    its export is the same bytes."""
    out = import_path(target, world.org, world.path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    # Not a terminal: one plain summary line, no bar, no control characters.
    [line] = out.stderr.splitlines()
    assert "\r" not in out.stderr and "\x1b" not in out.stderr
    match = SUMMARY.fullmatch(line)
    assert match, line
    cases, insights, events = totals(world.exported)
    assert match.groups() == (
        str(cases),
        f"{insights:,}",
        f"{events:,}",
        "2 projects, 3 users, 2 case types, 2 custom attributes",
    )
    same_view(view(target, serve(target, world), world), view(world.server, world.api, world))
    # Exported again from the new database, while it is served: the same bytes.
    again = target.log_path.with_name("again.jsonl")  # type: ignore[union-attr]
    assert opencase(target, "export", "--org", world.org, "-o", str(again)).returncode == 0
    assert again.read_bytes() == world.exported


def test_importing_twice_changes_nothing(world: World, target: Server) -> None:
    """A file imported again adds nothing: every case is already there and left alone."""
    assert import_path(target, world.org, world.path).returncode == 0
    api = serve(target, world)
    before_view, before_file = view(target, api, world), export(target, world.org)
    out = import_path(target, world.org, world.path)
    assert out.returncode == 0, out.stderr
    cases = len(case_lines(world.exported))
    assert out.stderr.startswith("imported 0 cases, 0 insights, 0 events in ")
    assert f"({cases} cases already present)" in out.stderr
    assert export(target, world.org) == before_file == world.exported
    same_view(view(target, api, world), before_view)
    total = ok(api.get("/api/v2/cases/count"))
    assert total["attributes"]["total"] == cases


def test_standard_input_and_output(world: World, target: Server) -> None:
    out = opencase(target, "import", "-", "--org", world.org, stdin=world.exported)
    assert out.returncode == 0, out.stderr.decode()
    assert SUMMARY.match(out.stderr.decode())
    assert export(target, world.org) == world.exported
    assert export(target, world.org, "--output", "-") == world.exported  # not a file named -
    assert not (Path.cwd() / "-").exists()


def test_a_copy_into_another_organisation(world: World, target: Server) -> None:
    """The same file imported under two names: two organisations, the same content (ids are
    the organisation's own; the copy's organisation gets a new id)."""
    for org in (world.org, "copy"):
        assert import_path(target, org, world.path).returncode == 0
    copy = lines(export(target, "copy"))
    original = lines(world.exported)
    assert copy[1]["name"] == "copy" and copy[1]["id"] != original[1]["id"]
    assert copy[2:] == original[2:]
    assert export(target, world.org) == world.exported


def test_into_an_organisation_that_exists(world: World, target: Server) -> None:
    """Users are matched by email: alice is already there under another id, and every
    reference to her (creator, actor, watcher, event details) names that user."""
    keys = target.create_keys(world.org, ALICE)
    assert keys.user_id != world.alice.user_id
    out = import_path(target, world.org, world.path)
    assert out.returncode == 0, out.stderr
    assert "(2 projects, 2 users, " in out.stderr  # bob and carol: alice was there
    target.start()
    expected = json.dumps(view(world.server, world.api, world))
    expected = expected.replace(world.alice.user_id, keys.user_id)
    same_view(view(target, target.client(keys), world), json.loads(expected))


def test_into_the_other_engine(world: World, tmp_path: Path) -> None:
    """SQLite to PostgreSQL and back: the same bytes."""
    other = make_server("postgresql" if world.server.engine == "sqlite" else "sqlite", tmp_path)
    try:
        assert import_path(other, world.org, world.path).returncode == 0
        assert export(other, world.org) == world.exported
    finally:
        dispose_server(other)


def test_query_exports_only_the_matching_cases(world: World, target: Server) -> None:
    """--query takes the query language of SearchCases; the rest of the organisation is
    exported whole."""
    partial = export(world.server, world.org, "--query", "priority:P1")
    p1 = [world.cases[name] for name in ("login", "archived", "legacy")]
    assert [c["id"] for c in case_lines(partial)] == p1  # by public id
    # The query means what it means to SearchCases.
    found = ok(world.api.get("/api/v2/cases", params={"filter": "priority:P1"}))
    assert sorted(c["id"] for c in found) == sorted(p1)
    found = ok(world.api.get("/api/v2/cases", params={"filter": "priority:P1 status:open"}))
    narrower = export(world.server, world.org, "--query", "priority:P1 status:open")
    assert sorted(c["id"] for c in case_lines(narrower)) == sorted(c["id"] for c in found)
    assert len(found) == 2
    # Everything but the cases is there, the same.
    assert [r for r in lines(partial) if r["kind"] != "case"] == [
        r for r in lines(world.exported) if r["kind"] != "case"
    ]
    # It imports, and reads back the same.
    out = opencase(target, "import", "-", "--org", world.org, stdin=partial)
    assert out.returncode == 0, out.stderr.decode()
    assert export(target, world.org) == partial
    # A query that does not parse is refused, and nothing is written.
    out = opencase(world.server, "export", "--org", world.org, "--query", "priority:(P1")
    assert out.returncode == 2
    assert out.stderr.decode().startswith("opencase: ")
    assert out.stdout == b""


# --------------------------------------------------------------------------- bad records


def _with_lines(world: World, replace: dict[int, bytes]) -> tuple[bytes, int, list[str]]:
    """The export with some case lines (by index among the cases) replaced; also the line
    number of the first case and the case ids in order."""
    raw = world.exported.splitlines(keepends=True)
    first = next(n for n, line in enumerate(raw) if line.startswith(b'{"kind":"case"'))
    ids = [c["id"] for c in case_lines(world.exported)]
    for index, line in replace.items():
        raw[first + index] = line + b"\n"
    return b"".join(raw), first + 1, ids


def _bad_insight_type(world: World, index: int) -> bytes:
    record = case_lines(world.exported)[index]
    assert len(record["insights"]) >= 2
    record["insights"][1]["type"] = "NOT_A_TYPE"
    return json.dumps(record).encode()


def test_a_malformed_line_stops_the_import(world: World, target: Server) -> None:
    data, first, ids = _with_lines(world, {1: b'{"kind":"case","id":'})
    out = opencase(target, "import", "-", "--org", world.org, stdin=data)
    assert out.returncode == 1
    stderr = out.stderr.decode()
    assert f"line {first + 1}: invalid JSON" in stderr, stderr
    assert f"import stopped at line {first + 1}" in stderr
    # The records before it are imported, nothing from it on.
    assert [c["id"] for c in case_lines(export(target, world.org))] == ids[:1]
    # With --skip-invalid the rest goes in (the line is reported again).
    out = opencase(target, "import", "-", "--org", world.org, "--skip-invalid", stdin=data)
    assert out.returncode == 0
    stderr = out.stderr.decode()
    assert f"line {first + 1}: invalid JSON" in stderr
    assert "1 invalid record skipped" in stderr
    assert [c["id"] for c in case_lines(export(target, world.org))] == ids[:1] + ids[2:]


def test_a_case_with_a_wrong_field_is_refused_whole(world: World, target: Server) -> None:
    # The third case (archived) has two insights: the second one's type is made wrong.
    data, first, ids = _with_lines(world, {2: _bad_insight_type(world, 2)})
    key = case_lines(world.exported)[2]["key"]
    out = opencase(target, "import", "-", "--org", world.org, stdin=data)
    assert out.returncode == 1
    stderr = out.stderr.decode()
    assert re.search(rf"^line {first + 2}: case {key}: insights\[1\]\.type: .*NOT_A_TYPE", stderr,
                     re.M), stderr  # fmt: skip
    assert [c["id"] for c in case_lines(export(target, world.org))] == ids[:2]
    out = opencase(target, "import", "-", "--org", world.org, "--skip-invalid", stdin=data)
    assert out.returncode == 0, out.stderr.decode()
    assert f"line {first + 2}: case {key}: insights[1].type: " in out.stderr.decode()
    assert f"{len(ids) - 3} cases, " in out.stderr.decode()
    assert "2 cases already present; 1 invalid record skipped" in out.stderr.decode()
    assert [c["id"] for c in case_lines(export(target, world.org))] == ids[:2] + ids[3:]
    # Fixed, the file imports the missing case, and only it.
    out = opencase(target, "import", "-", "--org", world.org, stdin=world.exported)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stderr.decode().startswith("imported 1 case, ")
    assert export(target, world.org) == world.exported


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        (b'{"kind":"header","format":"other-tool","version":1}', "not an opencase export"),
        (b"id,title,priority", "not an opencase export"),
        (b'{"kind":"org","id":"x"}', "not an opencase export"),
        (b'{"kind":"header","format":"opencase-export","version":2}', "format version 2"),
    ],
)
def test_a_foreign_header_is_refused(
    world: World, target: Server, first_line: bytes, message: str
) -> None:
    data = first_line + b"\n" + world.exported.split(b"\n", 1)[1]
    out = opencase(target, "import", "-", "--org", world.org, stdin=data)
    assert out.returncode == 1
    assert out.stderr.decode().startswith(f"line 1: {message}"), out.stderr.decode()
    # Nothing was written: not even the organisation.
    listed = target.cli("users", "list", "--org", world.org, check=False)
    assert listed.returncode == 2, listed.stdout


# --------------------------------------------------------------------------- progress


def test_a_terminal_gets_a_progress_bar(world: World, target: Server) -> None:
    """With stderr on a terminal (a pty), rich draws a bar (then erases it); the summary stays."""
    main, child = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "opencase", "import", str(world.path), "--org", world.org],
            env={**target.env, "COLUMNS": "100", "TERM": "xterm"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=child,
        )
        os.close(child)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child side is closed
                break
            if not chunk:
                break
            shown += chunk
        assert proc.wait(timeout=120) == 0, shown
    finally:
        os.close(main)
    text = shown.decode()
    assert "\x1b[" in text  # cursor control: the bar is drawn, then erased
    assert "━" in text and "import" in text  # the bar itself
    cases, _, _ = totals(world.exported)
    assert f"imported {cases} cases, " in text  # the summary stays
    assert export(target, world.org) == world.exported


# --------------------------------------------------------------------------- concurrency


def _many_cases(world: World, copies: int) -> list[bytes]:
    """The export's lines with `copies` more cases in project OPS: clones of one of its cases
    with new ids, numbers and public ids, five insights each, and the counters raised as an
    export shows them."""
    records = lines(world.exported)
    org = records[1]
    ops = next(r for r in records if r["kind"] == "project" and r["key"] == "OPS")
    template = next(r for r in records if r.get("id") == world.cases["ops_first"])
    for n in range(1, copies + 1):
        key = f"OPS-{ops['case_seq'] + n}"
        insights = [
            ins("MONITOR", f"{n}-{k}")
            | {
                "position": k,
                "created_at": template["created_at"],
                "created_by": template["created_by"],
            }
            for k in range(1, 6)
        ]
        records.append(
            template
            | {"id": str(uuid.uuid4()), "key": key, "keys": [key], "title": f"Clone {n}"}
            | {"number": ops["case_seq"] + n, "public_id": org["case_seq"] + n}
            | {"insights": insights, "insight_seq": 5}
            | {"events": [e | {"id": str(uuid.uuid4())} for e in template["events"]]}
        )
    org["case_seq"] += copies
    ops["case_seq"] += copies
    return [json.dumps(r).encode() + b"\n" for r in records]


def test_import_while_the_server_takes_writes(world: World, target: Server) -> None:
    """Cases created over HTTP in the middle of an import (held there: it waits for the rest
    of its standard input), in a project of its own and in one being imported: everything
    succeeds and no public id, number or key is given twice."""
    records = _many_cases(world, 1500)
    first_case = next(n for n, line in enumerate(records) if line.startswith(b'{"kind": "case"'))
    # The organisation and its users first (as an earlier import would leave them): its public
    # ids up to the file's are reserved, so writes from now on cannot take one the file uses.
    org_and_users = [
        line for line in records if json.loads(line)["kind"] in ("header", "org", "user")
    ]
    out = opencase(target, "import", "-", "--org", world.org, stdin=b"".join(org_and_users))
    assert out.returncode == 0, out.stderr.decode()
    api = serve(target, world)
    live = api.new_project("LIVE", "Live")
    ops = next(r for r in map(json.loads, records) if r.get("key") == "OPS")

    def imported() -> int:
        count = api.get("/api/v2/cases/count", params={"query_filter": "project:OPS"})
        total: int = ok(count)["attributes"]["total"]
        return total

    proc = subprocess.Popen(
        [sys.executable, "-m", "opencase", "import", "-", "--org", world.org],
        env=target.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    try:
        proc.stdin.write(b"".join(records[: first_case + 1000]))
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while imported() < 500 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 500 <= imported() < 1504  # some batches are in, not all
        posted = [api.new_case(p["id"], f"Live {n}") for n in range(10) for p in (live, ops)]
        assert proc.poll() is None  # still importing
        proc.stdin.write(b"".join(records[first_case + 1000 :]))
    finally:
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode()
    # Not a terminal: a plain progress line every 1,000 cases, then the summary.
    *progress, summary = stderr.decode().splitlines()
    assert progress and re.fullmatch(r"import: [\d,]+ cases, [\d,]+ insights, [\d,]+ events",
                                     progress[0]), progress  # fmt: skip
    assert SUMMARY.match(summary)
    cases = case_lines(export(target, world.org))
    file_cases = [json.loads(line) for line in records[first_case:]]
    assert {c["id"] for c in cases} == {c["id"] for c in file_cases} | {c["id"] for c in posted}
    public_ids = [c["public_id"] for c in cases]
    assert len(set(public_ids)) == len(cases) == len(file_cases) + len(posted)
    assert min(int(c["attributes"]["public_id"]) for c in posted) > max(
        c["public_id"] for c in file_cases
    )
    all_keys = [k for c in cases for k in c["keys"]]
    assert len(set(all_keys)) == len(all_keys)
    ops_keys = sorted(
        int(c["attributes"]["key"][4:]) for c in posted if c["attributes"]["key"].startswith("OPS-")
    )
    assert ops_keys == list(range(ops["case_seq"] + 1, ops["case_seq"] + 11))
    # Afterwards, new cases number on from all of them.
    after = api.new_case(ops["id"], "After the import")
    assert after["attributes"]["key"] == f"OPS-{ops['case_seq'] + 11}"
    assert int(after["attributes"]["public_id"]) == max(public_ids) + 1
    # An export while cases are being created is one consistent snapshot: no case beyond the
    # counters it shows.
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            api.new_case(live["id"], "Created during the export")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        snapshot = lines(export(target, world.org))
    finally:
        stop.set()
        writer.join()
    org_seq = snapshot[1]["case_seq"]
    seqs = {r["key"]: r["case_seq"] for r in snapshot if r["kind"] == "project"}
    cases = [r for r in snapshot if r["kind"] == "case"]
    assert sorted(c["public_id"] for c in cases) == list(range(1, org_seq + 1))
    for key, seq in seqs.items():
        numbers = sorted(int(k[len(key) + 1 :]) for c in cases for k in c["keys"]
                         if k.startswith(f"{key}-"))  # fmt: skip
        assert numbers == list(range(1, seq + 1)), key  # every key given, none cut off


def test_refusals(world: World, target: Server, tmp_path: Path) -> None:
    """What cannot start exits with status 2 and a message, and writes nothing."""
    for args, message in [
        (["export", "--org", "nobody"], "opencase: organisation 'nobody' not found"),
        (["import", str(tmp_path / "missing.jsonl"), "--org", world.org], "cannot read"),
        (["import", str(tmp_path), "--org", world.org], "Is a directory"),
        (["import", str(world.path), "--org", " "], "organisation name must not be empty"),
        (["export", "--org", world.org, "-o", str(tmp_path / "no" / "f")], "cannot write"),
    ]:
        out = opencase(target, *args)
        assert (out.returncode, out.stdout) == (2, b""), args
        assert out.stderr.decode().startswith("opencase: ") and message in out.stderr.decode()
    out = opencase(target, "import", "-", "--org", world.org, stdin=b"")
    assert out.returncode == 1
    assert out.stderr.decode() == "line 1: empty input, not an opencase export\n"
    assert not list(tmp_path.glob("**/*.partial")) and not (tmp_path / "no").exists()
    # The target is still empty: it has no organisation to export.
    assert opencase(target, "export", "--org", world.org).returncode == 2
