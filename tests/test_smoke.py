"""The server starts on each engine and answers its health check and the API."""

from conftest import Client, Server


def test_health_reports_engine(server: Server) -> None:
    import requests

    r = requests.get(server.base_url + "/healthz", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "engine": server.engine}


def test_case_round_trip(api: Client, project: dict) -> None:
    case = api.new_case(project["id"], "Smoke")
    got = api.get(f"/api/v2/cases/{case['id']}")
    assert got.status_code == 200
    assert got.json()["data"]["attributes"]["title"] == "Smoke"


def test_archive_and_unarchive(api: Client, project: dict) -> None:
    case = api.new_case(project["id"], "Archive me")
    body = {"data": {"type": "case"}}
    r = api.post(f"/api/v2/cases/{case['attributes']['key']}/archive", json=body)
    assert r.status_code == 200, r.text
    archived_at = r.json()["data"]["attributes"]["archived_at"]
    again = api.post(f"/api/v2/cases/{case['id']}/archive", json=body).json()["data"]
    assert again["attributes"]["archived_at"] == archived_at  # no change the second time
    r = api.post(f"/api/v2/cases/{case['id']}/unarchive", json=body)
    assert r.status_code == 200
    assert "archived_at" not in r.json()["data"]["attributes"]
