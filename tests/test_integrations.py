"""The integration operations: CreateCaseJiraIssue (through a fake Jira, from the outbox),
LinkJiraIssueToCase, UnlinkJiraIssue, CreateCaseServiceNowTicket (through a fake ServiceNow),
CreateCaseNotebook (and opencase's GetCaseNotebook) and LinkIncident; the case's jira_issue /
service_now_ticket attributes; and `opencase integrations` from the command line."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Client, Keys, Server, dispose_server, make_server
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.model.incident_relationship_data import IncidentRelationshipData
from datadog_api_client.v2.model.incident_resource_type import IncidentResourceType
from datadog_api_client.v2.model.jira_issue_create_attributes import JiraIssueCreateAttributes
from datadog_api_client.v2.model.jira_issue_create_data import JiraIssueCreateData
from datadog_api_client.v2.model.jira_issue_create_request import JiraIssueCreateRequest
from datadog_api_client.v2.model.jira_issue_link_attributes import JiraIssueLinkAttributes
from datadog_api_client.v2.model.jira_issue_link_data import JiraIssueLinkData
from datadog_api_client.v2.model.jira_issue_link_request import JiraIssueLinkRequest
from datadog_api_client.v2.model.jira_issue_resource_type import JiraIssueResourceType
from datadog_api_client.v2.model.notebook_create_data import NotebookCreateData
from datadog_api_client.v2.model.notebook_create_request import NotebookCreateRequest
from datadog_api_client.v2.model.notebook_resource_type import NotebookResourceType
from datadog_api_client.v2.model.relationship_to_incident_request import (
    RelationshipToIncidentRequest,
)
from datadog_api_client.v2.model.service_now_ticket_create_attributes import (
    ServiceNowTicketCreateAttributes,
)
from datadog_api_client.v2.model.service_now_ticket_create_data import ServiceNowTicketCreateData
from datadog_api_client.v2.model.service_now_ticket_create_request import (
    ServiceNowTicketCreateRequest,
)
from datadog_api_client.v2.model.service_now_ticket_resource_type import (
    ServiceNowTicketResourceType,
)
from fakes import FakeHttp, wait_for

TOKEN = "jira-api-token-123"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHttp]:
    f = FakeHttp()
    yield f
    f.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def srv(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, fake: FakeHttp
) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp(f"integrations-{request.param}")
    s = make_server(request.param, tmp, OPENCASE_OUTBOX_BACKOFF_SECONDS="0.05",
                    OPENCASE_OUTBOX_MAX_ATTEMPTS="3")  # fmt: skip
    s.start()
    try:
        yield s
    finally:
        log = s.log_text()
        dispose_server(s)
    assert "Traceback" not in log, log[-5000:]
    assert TOKEN not in log


@pytest.fixture(scope="module")
def keys(srv: Server, fake: FakeHttp) -> Keys:
    k = srv.create_keys("acme", "alice@acme.test")
    srv.cli("integrations", "set", "jira", "--org", "acme", "--url", fake.url + "/jira",
            "--user", "bot@acme.test", "--token-stdin", input=TOKEN + "\n")  # fmt: skip
    srv.cli("integrations", "set", "servicenow", "--org", "acme", "--instance", "acme-prod",
            "--url", fake.url + "/snow", "--user", "svc", "--token-stdin",
            input="snow-token-456\n")  # fmt: skip
    return k


@pytest.fixture(scope="module")
def api(srv: Server, keys: Keys) -> Client:
    return srv.client(keys)


@pytest.fixture
def case(api: Client) -> dict[str, Any]:
    project = api.new_project()
    return api.new_case(project["id"], "Disk full on db-1", description="The disk is full.")


def _case(api: Client, case_id: str) -> dict[str, Any]:
    r = api.get(f"/api/v2/cases/{case_id}")
    assert r.status_code == 200, r.text
    attributes: dict[str, Any] = r.json()["data"]["attributes"]
    return attributes


def _jira(account: str = "default") -> dict[str, Any]:
    attributes = {"jira_account_id": account, "project_id": "10000", "issue_type_id": "10001"}
    return {"data": {"type": "issues", "attributes": attributes}}


def _error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    (error,) = r.json()["errors"]
    assert error["status"] == str(status)
    return dict(error)


def test_jira_issue_is_created_through_jira_and_shown_on_the_case(
    api: Client, case: dict[str, Any], fake: FakeHttp
) -> None:
    before = len(fake.to("/jira/rest/api/3/issue"))
    body = _jira()
    body["data"]["attributes"]["fields"] = {"labels": ["ops"]}
    r = api.post(f"/api/v2/cases/{case['id']}/relationships/jira_issues", json=body)
    assert r.status_code == 202, r.text
    assert r.content == b""
    # Committed with its delivery: the case shows the request at once.
    assert _case(api, case["id"])["jira_issue"]["status"] in ("IN_PROGRESS", "COMPLETED")
    done = wait_for(lambda: _case(api, case["id"])["jira_issue"]["status"] == "COMPLETED")
    assert done
    issue = _case(api, case["id"])["jira_issue"]
    assert issue["result"] == {
        "issue_id": "10001",
        "issue_key": "OPS-7",
        "issue_url": f"{fake.url}/jira/browse/OPS-7",
        "project_key": "OPS",
    }
    sent = fake.to("/jira/rest/api/3/issue")[before:]
    assert len(sent) == 1
    fields = sent[0].json()["fields"]
    assert fields["project"] == {"id": "10000"} and fields["issuetype"] == {"id": "10001"}
    assert fields["summary"].endswith("Disk full on db-1") and fields["labels"] == ["ops"]
    assert fields["description"]["type"] == "doc"
    auth = sent[0].headers["Authorization"]
    assert base64.b64decode(auth.split()[1]).decode() == f"bot@acme.test:{TOKEN}"
    # A second request while the case has an issue: 409.
    r = api.post(f"/api/v2/cases/{case['id']}/relationships/jira_issues", json=_jira())
    _error(r, 409)
    # The timeline says what happened.
    r = api.get(f"/api/v2/cases/{case['id']}/timelines", params={"sort[ascending]": "true"})
    types = [c["attributes"]["type"] for c in r.json()["data"]]
    assert "CASE_JIRA_ISSUE_REQUESTED" in types and "CASE_JIRA_ISSUE_CREATED" in types


def test_link_and_unlink_a_jira_issue(api: Client, case: dict[str, Any]) -> None:
    path = f"/api/v2/cases/{case['id']}/relationships/jira_issues"
    url = "https://acme.atlassian.net/browse/SEC-42"
    link = {"data": {"type": "issues", "attributes": {"jira_issue_url": url}}}
    r = api.patch(path, json=link)
    assert r.status_code == 204, r.text
    assert _case(api, case["id"])["jira_issue"] == {
        "status": "COMPLETED",
        "result": {"issue_key": "SEC-42", "issue_url": url, "project_key": "SEC"},
    }
    _error(api.patch(path, json=link), 409)  # already linked
    assert api.delete(path).status_code == 204
    assert "jira_issue" not in _case(api, case["id"])
    assert _error(api.delete(path), 404)["title"] == "jira_issue not found"
    assert api.patch(path, json=link).status_code == 204  # linkable again


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "https://acme.atlassian.net/projects/SEC",
        "ftp://x/browse/A-1",
        "https://x/browse/A-",
    ],
)
def test_link_refuses_what_is_not_a_jira_issue_url(
    api: Client, case: dict[str, Any], url: str
) -> None:
    link = {"data": {"type": "issues", "attributes": {"jira_issue_url": url}}}
    r = api.patch(f"/api/v2/cases/{case['id']}/relationships/jira_issues", json=link)
    assert _error(r, 400)["source"] == {"pointer": "/data/attributes/jira_issue_url"}
    assert "jira_issue" not in _case(api, case["id"])


def test_servicenow_ticket_is_created_through_servicenow(
    api: Client, case: dict[str, Any], fake: FakeHttp
) -> None:
    before = len(fake.to("/snow/api/now/table/incident"))
    attributes = {"instance_name": "acme-prod", "assignment_group": "IT Support"}
    body = {"data": {"type": "tickets", "attributes": attributes}}
    r = api.post(f"/api/v2/cases/{case['id']}/relationships/servicenow_tickets", json=body)
    assert r.status_code == 202, r.text
    wait_for(lambda: _case(api, case["id"])["service_now_ticket"]["status"] == "COMPLETED")
    assert _case(api, case["id"])["service_now_ticket"]["result"] == {
        "sys_target_link": f"{fake.url}/snow/nav_to.do?uri=incident.do?sys_id=5f1e2d"
    }
    [sent] = fake.to("/snow/api/now/table/incident")[before:]
    incident = sent.json()
    assert incident["assignment_group"] == "IT Support"
    assert incident["correlation_id"] == case["id"]
    assert incident["short_description"].endswith("Disk full on db-1")


def test_tickets_need_the_integration_set_up(api: Client, srv: Server) -> None:
    other = srv.client(srv.create_keys("globex", "g@globex.test"))
    project = other.new_project()
    c = other.new_case(project["id"])
    r = other.post(f"/api/v2/cases/{c['id']}/relationships/jira_issues", json=_jira())
    assert _error(r, 400)["source"] == {"pointer": "/data/attributes/jira_account_id"}
    body = {"data": {"type": "tickets", "attributes": {"instance_name": "acme-prod"}}}
    r = other.post(f"/api/v2/cases/{c['id']}/relationships/servicenow_tickets", json=body)
    assert _error(r, 400)["source"] == {"pointer": "/data/attributes/instance_name"}
    attributes = _case(other, c["id"])
    assert "jira_issue" not in attributes and "service_now_ticket" not in attributes


def test_a_jira_that_keeps_failing_leaves_the_issue_failed(
    api: Client, srv: Server, fake: FakeHttp
) -> None:
    srv.cli("integrations", "set", "jira", "--org", "acme", "--instance", "broken", "--url",
            fake.url + "/always-fails", "--token-stdin", input="t0ken\n")  # fmt: skip
    project = api.new_project()
    c = api.new_case(project["id"])
    r = api.post(f"/api/v2/cases/{c['id']}/relationships/jira_issues", json=_jira("broken"))
    assert r.status_code == 202, r.text
    wait_for(lambda: _case(api, c["id"])["jira_issue"]["status"] == "FAILED")
    dead = json.loads(srv.cli("outbox", "list", "--org", "acme", "--state", "dead",
                              "--case", c["attributes"]["key"], "--json").stdout)  # fmt: skip
    assert [(d["target_kind"], d["attempts"]) for d in dead] == [("jira", 3)]
    # A failed request may be made again.
    r = api.post(f"/api/v2/cases/{c['id']}/relationships/jira_issues", json=_jira("broken"))
    assert r.status_code == 202, r.text


def test_notebook_is_assembled_from_the_case(api: Client, case: dict[str, Any]) -> None:
    path = f"/api/v2/cases/{case['id']}/relationships/notebook"
    assert _error(api.get(path), 404)["title"] == "notebook not found"
    insight = {"type": "MONITOR", "ref": "/monitors/77", "resource_id": "77"}
    body = {"data": {"type": "case", "attributes": {"insights": [insight]}}}
    assert api.put(f"/api/v2/cases/{case['id']}/insights", json=body).status_code == 200
    comment = {"data": {"type": "case", "attributes": {"comment": "Rotated the logs."}}}
    assert api.post(f"/api/v2/cases/{case['id']}/comment", json=comment).status_code == 200
    r = api.post(path, json={"data": {"type": "notebook"}})
    assert r.status_code == 204, r.text
    r = api.get(path)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert (data["type"], data["id"], data["attributes"]["format"]) == (
        "notebook", case["id"], "markdown",
    )  # fmt: skip
    text = data["attributes"]["content"]
    assert text.startswith(f"# {case['attributes']['key']}: Disk full on db-1\n")
    assert "The disk is full." in text and "| MONITOR | 77 | `/monitors/77` |" in text
    assert "Comment: Rotated the logs." in text and "1 insight added" in text


def test_link_incident_makes_it_an_insight(api: Client, case: dict[str, Any]) -> None:
    incident = "3f1c0e9a-0000-4000-8000-000000000001"
    r = api.post(f"/api/v2/cases/{case['id']}/relationships/incidents",
                 json={"data": {"type": "incidents", "id": incident}})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["data"]["attributes"]["insights"] == [
        {"type": "INCIDENT", "ref": f"/incidents/{incident}", "resource_id": incident}
    ]
    r = api.get("/api/v2/cases", params={"filter": f"insight.resource_id:{incident}"})
    assert [c["id"] for c in r.json()["data"]] == [case["id"]]
    r = api.post(f"/api/v2/cases/{case['id']}/relationships/incidents",
                 json={"data": {"type": "incidents", "id": "a/b"}})  # fmt: skip
    assert _error(r, 400)["source"] == {"pointer": "/data/id"}


def test_wrong_type_unknown_case_and_other_tenants(api: Client, srv: Server) -> None:
    r = api.post("/api/v2/cases/NOPE-1/relationships/notebook", json={"data": {"type": "notebook"}})
    _error(r, 404)
    project = api.new_project()
    c = api.new_case(project["id"])
    r = api.post(f"/api/v2/cases/{c['id']}/relationships/notebook", json={"data": {"type": "case"}})
    _error(r, 400)
    other = srv.client(srv.create_keys("initech", "i@initech.test"))
    for method, path, body in [
        ("POST", "jira_issues", _jira()),
        ("DELETE", "jira_issues", None),
        ("POST", "notebook", {"data": {"type": "notebook"}}),
        ("POST", "incidents", {"data": {"type": "incidents", "id": "x"}}),
    ]:
        r = other.request(method, f"/api/v2/cases/{c['id']}/relationships/{path}", json=body)
        assert r.status_code == 404, (path, r.text)


def test_integrations_from_the_command_line(srv: Server, keys: Keys) -> None:
    listed = json.loads(srv.cli("integrations", "list", "--org", "acme", "--json").stdout)
    kinds = {(i["kind"], i["instance"]) for i in listed}
    assert {("jira", ""), ("servicenow", "acme-prod")} <= kinds
    assert all("token" not in i for i in listed)
    out = srv.cli("integrations", "list", "--org", "acme").stdout
    assert TOKEN not in out
    r = srv.cli("integrations", "set", "slack", "--org", "acme", "--url", "https://slack.com/api",
                check=False)  # fmt: skip
    assert r.returncode != 0 and "token" in r.stderr
    r = srv.cli("integrations", "set", "teams", "--org", "acme", "--url", "nope", check=False)
    assert r.returncode != 0 and "URL" in r.stderr
    srv.cli("integrations", "set", "teams", "--org", "acme", "--url", "https://t.example/hook")
    srv.cli("integrations", "delete", "teams", "--org", "acme")
    r = srv.cli("integrations", "delete", "teams", "--org", "acme", check=False)
    assert r.returncode != 0


def test_every_integration_operation_through_datadogs_client(
    srv: Server, keys: Keys, api: Client
) -> None:
    configuration = Configuration(host=srv.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    project = api.new_project()
    c = api.new_case(project["id"])
    with ApiClient(configuration) as client:
        cm = CaseManagementApi(client)
        cm.create_case_jira_issue(
            c["id"],
            JiraIssueCreateRequest(data=JiraIssueCreateData(
                type=JiraIssueResourceType.ISSUES,
                attributes=JiraIssueCreateAttributes(
                    jira_account_id="default", project_id="10000", issue_type_id="10001"
                ),
            )),
        )  # fmt: skip
        wait_for(lambda: _case(api, c["id"])["jira_issue"]["status"] == "COMPLETED")
        assert cm.get_case(c["id"]).data.attributes.jira_issue.result.issue_key == "OPS-7"
        cm.unlink_jira_issue(c["id"])
        cm.link_jira_issue_to_case(
            c["id"],
            JiraIssueLinkRequest(data=JiraIssueLinkData(
                type=JiraIssueResourceType.ISSUES,
                attributes=JiraIssueLinkAttributes(
                    jira_issue_url="https://acme.atlassian.net/browse/SEC-9"
                ),
            )),
        )  # fmt: skip
        with pytest.raises(ApiException) as conflict:
            cm.link_jira_issue_to_case(
                c["id"],
                JiraIssueLinkRequest(data=JiraIssueLinkData(
                    type=JiraIssueResourceType.ISSUES,
                    attributes=JiraIssueLinkAttributes(
                        jira_issue_url="https://acme.atlassian.net/browse/SEC-10"
                    ),
                )),
            )  # fmt: skip
        assert conflict.value.status == 409
        cm.create_case_service_now_ticket(
            c["id"],
            ServiceNowTicketCreateRequest(data=ServiceNowTicketCreateData(
                type=ServiceNowTicketResourceType.TICKETS,
                attributes=ServiceNowTicketCreateAttributes(instance_name="acme-prod"),
            )),
        )  # fmt: skip
        wait_for(lambda: _case(api, c["id"])["service_now_ticket"]["status"] == "COMPLETED")
        ticket = cm.get_case(c["id"]).data.attributes.service_now_ticket
        assert ticket.result.sys_target_link.endswith("sys_id=5f1e2d")
        cm.create_case_notebook(
            c["id"],
            NotebookCreateRequest(data=NotebookCreateData(type=NotebookResourceType.NOTEBOOK)),
        )
        linked = cm.link_incident(
            c["id"],
            RelationshipToIncidentRequest(data=IncidentRelationshipData(
                id="00000000-0000-0000-0000-000000000042", type=IncidentResourceType.INCIDENTS
            )),
        )  # fmt: skip
        assert linked.data.id == c["id"]
    assert api.get(f"/api/v2/cases/{c['id']}/relationships/notebook").status_code == 200
