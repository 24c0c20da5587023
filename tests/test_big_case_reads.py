"""GET of a big case serves its insights from an encoded fragment kept per case version
(insight/fragments.py); every change to the insights must show at once, in every process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Client, Server, dispose_server, make_server

from opencase.insight.fragments import MIN_INSIGHTS


def _insight(n: int, ref: str | None = None) -> dict[str, str]:
    return {"type": "MONITOR", "ref": ref or f"/monitors/{n}", "resource_id": str(n)}


def _put(api: Client, case_id: str, insights: list[dict[str, str]], method: str = "PUT") -> None:
    r = api.request(
        method,
        f"/api/v2/cases/{case_id}/insights",
        json={"data": {"type": "case", "attributes": {"insights": insights}}},
    )
    assert r.status_code == 200, r.text


def _searched(get: Any, case_id: str) -> list[dict[str, str]]:
    """The case's insights as a search page (SearchCases) shows them."""
    page = get("/api/v2/cases?page[size]=100").json()["data"]
    insights: list[dict[str, str]] = next(
        c["attributes"]["insights"] for c in page if c["id"] == case_id
    )
    return insights


def _check_every_read(get: Any, case_id: str, expected: list[dict[str, str]]) -> None:
    # The first read keeps the fragment, the others are served from it; search pages use
    # and keep the same fragments, so each read path is checked after the other.
    assert _searched(get, case_id) == expected
    for _ in range(2):
        got = get(f"/api/v2/cases/{case_id}").json()["data"]["attributes"]["insights"]
        assert got == expected
        assert _searched(get, case_id) == expected


def _changes(api: Client, get: Any, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "big")
    expected = [_insight(n) for n in range(MIN_INSIGHTS + 10)]
    for start in range(0, len(expected), 100):
        _put(api, case["id"], expected[start : start + 100])
    _check_every_read(get, case["id"], expected)
    _put(api, case["id"], [_insight(1000)])
    expected.append(_insight(1000))
    _check_every_read(get, case["id"], expected)
    _put(api, case["id"], [_insight(3), _insight(4)], method="DELETE")
    expected = [i for i in expected if i["resource_id"] not in {"3", "4"}]
    _check_every_read(get, case["id"], expected)
    _put(api, case["id"], [_insight(5, ref="/monitors/5?changed")])  # same insight, new ref
    expected = [
        _insight(5, "/monitors/5?changed") if i["resource_id"] == "5" else i for i in expected
    ]
    _check_every_read(get, case["id"], expected)
    # Another case of the same size is never served the first one's insights.
    other = api.new_case(project["id"], "big too")
    others = [_insight(n + 5000) for n in range(MIN_INSIGHTS + 10)]
    _put(api, other["id"], others)
    _check_every_read(get, other["id"], others)
    _check_every_read(get, case["id"], expected)


def test_every_change_shows_at_once(api: Client, project: dict[str, Any]) -> None:
    _changes(api, api.get, project)


def test_a_kept_fragment_is_no_way_into_another_organisation(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    case = api.new_case(project["id"], "big")
    insights = [_insight(n) for n in range(MIN_INSIGHTS)]
    _put(api, case["id"], insights)
    _check_every_read(api.get, case["id"], insights)  # kept now
    for ref in (case["id"], case["attributes"]["key"]):
        r = other_api.get(f"/api/v2/cases/{ref}")
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["title"] == "case not found"


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Server]:
    srv = make_server("postgresql", tmp_path, workers=2)
    try:
        srv.start()
        yield srv
    finally:
        dispose_server(srv)


@pytest.mark.postgresql
def test_every_change_shows_in_every_process(two_workers: Server) -> None:
    """Two server processes on one PostgreSQL, each with its own fragments: a fresh TCP
    connection per read lands on either, and each must see the last write."""
    keys = two_workers.create_keys("acme", "alice@acme.test")
    api = two_workers.client(keys)
    headers = {"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key}

    def get(path: str) -> requests.Response:
        return requests.get(two_workers.base_url + path, headers=headers, timeout=30)

    _changes(api, get, api.new_project())
