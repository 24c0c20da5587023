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
