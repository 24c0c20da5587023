"""From a change to its deliveries, end to end over HTTP: notification rules, automation rules
and maintenance windows decide what the outbox delivers, and local fakes receive it (one HTTP
server playing webhooks, workflows, agents, Slack, PagerDuty and Teams; aiosmtpd for email).
Proven here: a change makes exactly the expected deliveries, signed; a receiver failing three
times gets the same delivery id on the fourth try; an always-failing one ends dead and can be
retried; a maintenance window suppresses exactly its matching notifications, in its time
range; a rolled-back change delivers nothing; a server killed (SIGKILL) between the commit and
the delivery delivers after its restart; two workers on one PostgreSQL deliver each once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Client, Keys, Server, dispose_server, free_port, make_server
from fakes import FakeHttp, FakeSmtp, Request, wait_for

from opencase.outbox import signing

SECRET = "whsec-0123456789abcdef"
ROUTING_KEY = "pd-routing-key-0123"
SLACK_TOKEN = "xoxb-slack-token-0123"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHttp]:
    f = FakeHttp()
    yield f
    f.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[FakeSmtp]:
    s = FakeSmtp()
    yield s
    s.close()


def _env(smtp: FakeSmtp) -> dict[str, str]:
    return {
        "OPENCASE_OUTBOX_BACKOFF_SECONDS": "0.05",
        "OPENCASE_OUTBOX_MAX_ATTEMPTS": "4",
        "OPENCASE_SMTP_HOST": "127.0.0.1",
        "OPENCASE_SMTP_PORT": str(smtp.port),
        "OPENCASE_SMTP_FROM": "cases@acme.test",
    }


def _register(srv: Server, fake: FakeHttp) -> None:
    for kind, name in [("webhooks", "ops"), ("workflows", "triage"), ("agents", "bits-ai")]:
        flag = {"webhooks": "--name", "workflows": "--handle", "agents": "--agent-id"}[kind]
        srv.cli(kind, "create", "--org", "acme", flag, name, "--url", f"{fake.url}/{name}",
                "--secret-stdin", input=SECRET + "\n")  # fmt: skip
    for kind, token in [("slack", SLACK_TOKEN), ("pagerduty", ROUTING_KEY), ("teams", "")]:
        args = ["integrations", "set", kind, "--org", "acme", "--url", f"{fake.url}/{kind}"]
        srv.cli(*args, *(["--token-stdin"] if token else []), input=token + "\n")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def srv(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fake: FakeHttp,
    smtp: FakeSmtp,
) -> Iterator[Server]:
    s = make_server(request.param, tmp_path_factory.mktemp(f"deliveries-{request.param}"),
                    **_env(smtp))  # fmt: skip
    s.start()
    try:
        yield s
    finally:
        log = s.log_text()
        dispose_server(s)
    assert "Traceback" not in log, log[-5000:]
    for secret in (SECRET, ROUTING_KEY, SLACK_TOKEN):
        assert secret not in log


@pytest.fixture(scope="module")
def keys(srv: Server, fake: FakeHttp) -> Keys:
    k = srv.create_keys("acme", "alice@acme.test")
    _register(srv, fake)
    return k


@pytest.fixture(scope="module")
def api(srv: Server, keys: Keys) -> Client:
    return srv.client(keys)


def hook(srv: Server, fake: FakeHttp, fail_first: int = 0, path: str = "") -> str:
    """A webhook of its own (name and path), failing its first `fail_first` POSTs."""
    name = f"hook-{uuid.uuid4().hex[:8]}"
    url_path = path or f"/{name}"
    fake.fail_first[url_path] = fail_first
    srv.cli("webhooks", "create", "--org", "acme", "--name", name, "--url", fake.url + url_path,
            "--secret-stdin", input=SECRET + "\n")  # fmt: skip
    return name


def notification_rule(
    api: Client,
    project_id: str,
    recipients: list[dict[str, Any]],
    triggers: list[dict[str, Any]] | None = None,
    query: str = "",
) -> str:
    attributes = {
        "query": query,
        "recipients": recipients,
        "triggers": triggers or [{"type": "CASE_CREATED"}],
    }
    body = {"data": {"type": "notification_rule", "attributes": attributes}}
    r = api.post(f"/api/v2/cases/projects/{project_id}/notification_rules", json=body)
    assert r.status_code == 201, r.text
    rule_id: str = r.json()["data"]["id"]
    return rule_id


def http(name: str) -> dict[str, Any]:
    return {"type": "HTTP", "data": {"name": name}}


def deliveries(srv: Server, case_key: str, state: str | None = None) -> list[dict[str, Any]]:
    args = ["outbox", "list", "--org", "acme", "--case", case_key, "--json"]
    found: list[dict[str, Any]] = json.loads(
        srv.cli(*args, *(["--state", state] if state else [])).stdout
    )
    return found


def timeline(api: Client, case_id: str, cell_type: str) -> list[dict[str, Any]]:
    r = api.get(f"/api/v2/cases/{case_id}/timelines", params={"sort[ascending]": "true"})
    assert r.status_code == 200, r.text
    return [
        c["attributes"]["cell_content"]["details"]
        for c in r.json()["data"]
        if c["attributes"]["type"] == cell_type
    ]


def settled(fake: FakeHttp, path: str, count: int) -> list[Request]:
    """The requests to `path` once there are `count`, after a pause that a duplicate would
    have used to arrive."""
    wait_for(lambda: len(fake.to(path)) >= count)
    time.sleep(0.3)
    found = fake.to(path)
    assert len(found) == count, [r.json() for r in found]
    return found


def status(api: Client, case_id: str, value: str) -> None:
    r = api.post(f"/api/v2/cases/{case_id}/status",
                 json={"data": {"type": "case", "attributes": {"status": value}}})  # fmt: skip
    assert r.status_code == 200, r.text


def test_a_new_case_reaches_every_recipient_once_signed(
    api: Client, srv: Server, fake: FakeHttp, smtp: FakeSmtp
) -> None:
    project = api.new_project()
    name = hook(srv, fake)
    channel = f"C{uuid.uuid4().hex[:6]}"
    recipients = [
        http(name),
        {"type": "EMAIL", "data": {"email": "oncall@acme.test"}},
        {"type": "SLACK_CHANNEL", "data": {"channel": channel}},
        {"type": "PAGERDUTY_SERVICE", "data": {"service_name": "db"}},
        {"type": "MS_TEAMS_CHANNEL", "data": {"channel_name": "ops"}},
    ]
    rule_id = notification_rule(api, project["id"], recipients)
    sent_before = {
        p: len(fake.to(p)) for p in ("/slack/chat.postMessage", "/pagerduty/v2/enqueue", "/teams")
    }
    mails_before = len(smtp.messages)
    case = api.new_case(project["id"], "Disk full on db-1")
    key = case["attributes"]["key"]

    [webhook] = settled(fake, f"/{name}", 1)
    body = webhook.body
    assert signing.verify(SECRET, body, webhook.headers[signing.HEADER])
    assert webhook.headers[signing.EVENT_HEADER] == "case.created"
    doc = json.loads(body)
    assert doc["id"] == webhook.headers[signing.DELIVERY_HEADER]
    assert (doc["event"], doc["data"]["id"], doc["data"]["type"]) == (
        "case.created",
        case["id"],
        "case",
    )
    assert doc["data"]["attributes"]["key"] == key
    assert doc["rule"] == {"type": "notification_rule", "id": rule_id}
    assert doc["change"]["trigger"] == "CASE_CREATED"

    slack = [r for r in fake.to("/slack/chat.postMessage")[sent_before["/slack/chat.postMessage"]:]
             if r.json()["channel"] == channel]  # fmt: skip
    assert len(slack) == 1 and key in slack[0].json()["text"]
    assert slack[0].headers["Authorization"] == f"Bearer {SLACK_TOKEN}"
    pd = wait_for(lambda: [r.json() for r in fake.to("/pagerduty/v2/enqueue")
                           if r.json()["dedup_key"] == case["id"]])  # fmt: skip
    assert [(p["routing_key"], p["event_action"]) for p in pd] == [(ROUTING_KEY, "trigger")]
    teams = wait_for(lambda: [r for r in fake.to("/teams") if key in r.json()["text"]])
    assert len(teams) == 1
    mails = wait_for(lambda: [m for m in smtp.messages[mails_before:] if key in m["Subject"]])
    assert len(mails) == 1 and mails[0]["To"] == "oncall@acme.test"

    found = wait_for(lambda: [d for d in deliveries(srv, key) if d["state"] == "delivered"]
                     if len(deliveries(srv, key, "delivered")) == 5 else None)  # fmt: skip
    assert sorted(d["target_kind"] for d in found) == [
        "email",
        "pagerduty",
        "slack",
        "teams",
        "webhook",
    ]
    assert len({d["id"] for d in found}) == 5

    def five_shown() -> list[dict[str, Any]] | None:
        cells = timeline(api, case["id"], "CASE_DELIVERY")
        return cells if len(cells) == 5 else None

    shown = wait_for(five_shown)
    assert {d["state"] for d in shown} == {"delivered"}
    assert f"webhook:{name}" in {d["target"] for d in shown}


def test_triggers_and_query_choose_the_changes(api: Client, srv: Server, fake: FakeHttp) -> None:
    project = api.new_project()
    name = hook(srv, fake)
    triggers = [
        {"type": "STATUS_TRANSITIONED", "data": {"to_status": "CLOSED"}},
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "priority"}},
        {"type": "COMMENT_ADDED"},
    ]
    notification_rule(
        api, project["id"], [http(name)], triggers, query="priority:P1 OR priority:P2"
    )
    urgent = api.new_case(project["id"], "Urgent", priority="P1")
    calm = api.new_case(project["id"], "Calm", priority="P4")
    status(api, calm["id"], "CLOSED")  # does not match the query
    status(api, urgent["id"], "IN_PROGRESS")  # matches no trigger
    status(api, urgent["id"], "CLOSED")
    r = api.post(f"/api/v2/cases/{urgent['id']}/priority",
                 json={"data": {"type": "case", "attributes": {"priority": "P2"}}})  # fmt: skip
    assert r.status_code == 200, r.text
    r = api.post(f"/api/v2/cases/{urgent['id']}/comment",
                 json={"data": {"type": "case", "attributes": {"comment": "on it"}}})  # fmt: skip
    assert r.status_code == 200, r.text
    got = settled(fake, f"/{name}", 3)
    docs = sorted((json.loads(r.body) for r in got), key=lambda d: d["created_at"])
    assert [d["event"] for d in docs] == [
        "case.status_changed", "case.attribute_changed", "case.comment_added",
    ]  # fmt: skip
    assert {d["data"]["id"] for d in docs} == {urgent["id"]}
    assert (docs[0]["change"]["from_status"], docs[0]["change"]["to_status"]) == (
        "IN_PROGRESS", "CLOSED",
    )  # fmt: skip
    assert docs[1]["change"]["field"] == "priority"


def test_a_failing_receiver_gets_the_same_delivery_id_until_it_takes_it(
    api: Client, srv: Server, fake: FakeHttp
) -> None:
    project = api.new_project()
    name = hook(srv, fake, fail_first=3)
    notification_rule(api, project["id"], [http(name)])
    case = api.new_case(project["id"])
    tries = settled(fake, f"/{name}", 4)
    assert len({r.headers[signing.DELIVERY_HEADER] for r in tries}) == 1
    assert len({r.body for r in tries}) == 1
    [d] = wait_for(lambda: deliveries(srv, case["attributes"]["key"], "delivered"))
    assert (d["attempts"], d["last_error"]) == (4, None)


def test_an_always_failing_receiver_ends_dead_and_can_be_retried(
    api: Client, srv: Server, fake: FakeHttp
) -> None:
    project = api.new_project()
    name = hook(srv, fake, path=f"/always-fails/{uuid.uuid4().hex[:6]}")
    notification_rule(api, project["id"], [http(name)])
    case = api.new_case(project["id"])
    key = case["attributes"]["key"]
    [dead] = wait_for(lambda: deliveries(srv, key, "dead"))
    assert (dead["attempts"], dead["last_error"]) == (4, "HTTP 500")
    [shown] = wait_for(lambda: timeline(api, case["id"], "CASE_DELIVERY"))
    assert (shown["state"], shown["attempts"], shown["last_error"]) == ("dead", 4, "HTTP 500")
    srv.cli("outbox", "retry", "--org", "acme", dead["id"])
    wait_for(lambda: len(timeline(api, case["id"], "CASE_DELIVERY")) == 2)
    [again] = deliveries(srv, key, "dead")
    assert (again["id"], again["attempts"]) == (dead["id"], 4)


def _window(api: Client, query: str, start: datetime, end: datetime) -> str:
    attributes = {"name": "db upgrade", "query": query,
                  "start_at": start.isoformat().replace("+00:00", "Z"),
                  "end_at": end.isoformat().replace("+00:00", "Z")}  # fmt: skip
    body = {"data": {"type": "maintenance_window", "attributes": attributes}}
    r = api.post("/api/v2/maintenance_windows", json=body)
    assert r.status_code == 201, r.text
    window_id: str = r.json()["data"]["id"]
    return window_id


def test_maintenance_windows_suppress_exactly_their_matching_notifications(
    api: Client, srv: Server, fake: FakeHttp
) -> None:
    project = api.new_project()
    name = hook(srv, fake)
    notification_rule(api, project["id"], [http(name)])
    now = datetime.now(UTC)
    label = f"maint{uuid.uuid4().hex[:6]}"
    running = _window(api, f"{label}", now - timedelta(hours=1), now + timedelta(hours=1))
    _window(api, f"{label}", now - timedelta(hours=3), now - timedelta(hours=2))  # over
    _window(api, f"{label}", now + timedelta(hours=2), now + timedelta(hours=3))  # to come
    held = api.new_case(project["id"], f"Replica lag {label}")
    sent = api.new_case(project["id"], "Unrelated")
    [delivered] = settled(fake, f"/{name}", 1)
    assert json.loads(delivered.body)["data"]["id"] == sent["id"]
    [suppressed] = wait_for(lambda: deliveries(srv, held["attributes"]["key"], "suppressed"))
    assert (suppressed["attempts"], suppressed["target"]) == (0, f"webhook:{name}")
    [shown] = timeline(api, held["id"], "CASE_DELIVERY")
    assert (shown["state"], shown["maintenance_window_id"]) == ("suppressed", running)
    # Once the window is gone, the same kind of case is notified again.
    assert api.delete(f"/api/v2/maintenance_windows/{running}").status_code == 204
    again = api.new_case(project["id"], f"Replica lag {label} again")
    got = settled(fake, f"/{name}", 2)
    assert json.loads(got[1].body)["data"]["id"] == again["id"]


def test_automation_rules_run_workflows_and_assign_agents_once(
    api: Client, srv: Server, fake: FakeHttp
) -> None:
    project = api.new_project()

    def rule(trigger: dict[str, Any], action: dict[str, Any], state: str = "ENABLED") -> None:
        attributes = {"name": "auto", "trigger": trigger, "action": action, "state": state}
        r = api.post(f"/api/v2/cases/projects/{project['id']}/rules",
                     json={"data": {"type": "rule", "attributes": attributes}})  # fmt: skip
        assert r.status_code == 201, r.text

    rule({"type": "CASE_CREATED"}, {"type": "EXECUTE_WORKFLOW", "data": {"handle": "triage"}})
    rule({"type": "CASE_CREATED"}, {"type": "EXECUTE_WORKFLOW", "data": {"handle": "triage"}},
         state="DISABLED")  # fmt: skip
    agent = {"type": "ASSIGN_AGENT", "data": {"agent_type": "bits", "assigned_agent_id": "bits-ai"}}
    rule({"type": "COMMENT_ADDED"}, agent)
    case = api.new_case(project["id"])
    r = api.post(f"/api/v2/cases/{case['id']}/comment",
                 json={"data": {"type": "case", "attributes": {"comment": "help"}}})  # fmt: skip
    assert r.status_code == 200, r.text
    workflow = wait_for(
        lambda: [r for r in fake.to("/triage") if json.loads(r.body)["data"]["id"] == case["id"]]
    )
    assert len(workflow) == 1 and signing.verify(
        SECRET, workflow[0].body, workflow[0].headers[signing.HEADER]
    )
    assert json.loads(workflow[0].body)["rule"]["type"] == "rule"
    wait_for(lambda: timeline(api, case["id"], "CASE_AGENT_ASSIGNED"))
    time.sleep(0.5)  # an assignment that triggered a rule again would have arrived by now
    agents = [r for r in fake.to("/bits-ai") if json.loads(r.body)["data"]["id"] == case["id"]]
    assert len(agents) == 1
    [assigned] = timeline(api, case["id"], "CASE_AGENT_ASSIGNED")
    assert (assigned["agent_type"], assigned["assigned_agent_id"]) == ("bits", "bits-ai")


def test_a_refused_change_delivers_nothing(api: Client, srv: Server, fake: FakeHttp) -> None:
    project = api.new_project()
    name = hook(srv, fake)
    notification_rule(api, project["id"], [http(name)], [{"type": "COMMENT_ADDED"}])
    case = api.new_case(project["id"])
    assert api.post(f"/api/v2/cases/{case['id']}/archive",
                    json={"data": {"type": "case"}}).status_code == 200  # fmt: skip
    r = api.post(f"/api/v2/cases/{case['id']}/comment",
                 json={"data": {"type": "case", "attributes": {"comment": "late"}}})  # fmt: skip
    assert r.status_code == 400, r.text
    time.sleep(1.0)
    assert fake.to(f"/{name}") == []
    assert deliveries(srv, case["attributes"]["key"]) == []


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_server_killed_between_commit_and_delivery_delivers_after_restart(
    engine: str, tmp_path: Path, fake: FakeHttp, smtp: FakeSmtp
) -> None:
    s = make_server(engine, tmp_path, **_env(smtp), OPENCASE_OUTBOX_WORKER="0")
    try:
        s.start()
        keys = s.create_keys("acme", "alice@acme.test")
        api = s.client(keys)
        project = api.new_project()
        name = hook(s, fake)
        notification_rule(api, project["id"], [http(name)])
        case = api.new_case(project["id"])  # 201: committed, nothing delivered yet
        time.sleep(0.3)
        assert fake.to(f"/{name}") == []
        s.stop(kill=True)
        s.env["OPENCASE_OUTBOX_WORKER"] = "1"
        s.port = free_port()
        s.start()
        [got] = settled(fake, f"/{name}", 1)
        assert json.loads(got.body)["data"]["id"] == case["id"]
    finally:
        log = s.log_text()
        dispose_server(s)
    assert "Traceback" not in log, log[-5000:]


@pytest.mark.postgresql
def test_two_workers_on_one_postgresql_deliver_each_once(
    tmp_path: Path, fake: FakeHttp, smtp: FakeSmtp
) -> None:
    s = make_server("postgresql", tmp_path, workers=2, **_env(smtp))
    worker: subprocess.Popen[bytes] | None = None
    try:
        s.start()
        worker = subprocess.Popen([sys.executable, "-m", "opencase", "worker"], env=s.env)
        keys = s.create_keys("acme", "alice@acme.test")
        api = s.client(keys)
        project = api.new_project()
        name = hook(s, fake)
        notification_rule(api, project["id"], [http(name)])
        cases = [api.new_case(project["id"], f"case {i}")["id"] for i in range(40)]
        got = settled(fake, f"/{name}", 40)
        assert sorted(json.loads(r.body)["data"]["id"] for r in got) == sorted(cases)
        assert len({r.headers[signing.DELIVERY_HEADER] for r in got}) == 40
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=20)
        log = s.log_text()
        dispose_server(s)
    assert "Traceback" not in log, log[-5000:]
