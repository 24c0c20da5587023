"""The wire: content types, JSON:API error bodies for every kind of bad request, body limits."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import STANDARD_TYPE, Client, Server, case_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencase.app import API_ROUTES

JSONAPI = "application/vnd.api+json"
LIMIT = 1_048_576  # OPENCASE_MAX_BODY_BYTES default
INSIGHT = {"type": "MONITOR", "ref": "/monitors/1", "resource_id": "1"}


def insights_body(*items: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": "case", "attributes": {"insights": list(items)}}}


def bad_request(detail: str, pointer: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "status": "400",
                "title": "Bad Request",
                "detail": detail,
                "source": {"pointer": pointer},
            }
        ]
    }


def assert_error_shape(r: requests.Response) -> None:
    """A JSON:API error document whose status matches the response's."""
    assert r.headers["content-type"] == JSONAPI, r.headers
    body = r.json()
    assert set(body) == {"errors"}, body
    assert isinstance(body["errors"], list)
    assert body["errors"], body
    for error in body["errors"]:
        assert error["status"] == str(r.status_code), body
        assert isinstance(error["title"], str)
        assert error["title"]
        assert set(error) <= {"status", "title", "detail", "code", "source"}, error
        if "source" in error:
            assert len(error["source"]) == 1
            ((kind, where),) = error["source"].items()
            assert kind in {"pointer", "parameter", "header"}
            assert isinstance(where, str)
            if kind == "pointer":
                assert where == "" or where.startswith("/"), error


def case_count(api: Client, project: dict[str, Any]) -> int:
    r = api.get("/api/v2/cases", params={"filter": f"project:{project['attributes']['key']}"})
    assert r.status_code == 200
    return int(r.json()["meta"]["total_cases"])


# Content types ----------------------------------------------------------------------------


def test_json_responses_are_jsonapi(api: Client, project: dict[str, Any]) -> None:
    created = api.post("/api/v2/cases", json=case_body(project["id"], "Typed"))
    assert created.status_code == 201
    assert created.headers["content-type"] == JSONAPI
    case_id = created.json()["data"]["id"]
    for path in [
        "/api/v2/cases",
        f"/api/v2/cases/{case_id}",
        "/api/v2/cases/projects",
        f"/api/v2/cases/projects/{project['id']}",
    ]:
        r = api.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"] == JSONAPI
        assert int(r.headers["content-length"]) == len(r.content)
        assert "data" in r.json()


def test_no_content_has_no_body_and_no_type(api: Client, project: dict[str, Any]) -> None:
    r = api.delete(f"/api/v2/cases/projects/{project['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert "content-type" not in r.headers


def test_no_server_header(server: Server) -> None:
    r = requests.get(server.base_url + "/healthz", timeout=30)
    assert "server" not in r.headers


def test_json_content_types_are_accepted(api: Client, project: dict[str, Any]) -> None:
    raw = json.dumps(case_body(project["id"], "Untyped")).encode()
    for content_type in ("application/json", "application/vnd.api+json", None):
        headers = {} if content_type is None else {"Content-Type": content_type}
        r = api.post("/api/v2/cases", data=raw, headers=headers)
        assert r.status_code == 201, (content_type, r.text)


# Routing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/nope", "/api/v2", "/api/v2/case", "/api/v1/cases", "/api/v2/cases/projects/x/y/z"],
)
def test_unknown_route_is_json_404(api: Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == JSONAPI
    assert r.json() == {
        "errors": [{"status": "404", "title": "Not Found", "detail": f"no route for GET {path}"}]
    }


def test_unknown_route_needs_no_key(server: Server) -> None:
    r = requests.post(server.base_url + "/nowhere", data=b"{", timeout=30)
    assert r.status_code == 404
    assert_error_shape(r)


def _methods_by_path() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {
        path: {"GET"} for path in ("/healthz", "/readyz", "/metrics", "/api/v2/openapi.json")
    }
    for route in API_ROUTES:
        out.setdefault(route.path, set()).add(route.method)
    return out


@pytest.mark.parametrize("template", sorted(_methods_by_path()))
def test_wrong_method_is_json_405_with_allow(api: Client, template: str) -> None:
    allowed = _methods_by_path()[template]
    method = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in allowed)
    path = template.replace("{case_id}", str(uuid.uuid4())).replace(
        "{project_id}", str(uuid.uuid4())
    )
    r = api.request(method, path, json={})
    assert r.status_code == 405
    assert r.headers["content-type"] == JSONAPI
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed | {"OPTIONS"}
    assert r.json() == {
        "errors": [
            {
                "status": "405",
                "title": "Method Not Allowed",
                "detail": f"{method} is not allowed on {path}",
            }
        ]
    }


# Malformed and mistyped bodies ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"data": }', b"not json", b"\xff\xfe", b'{"data": {"type": "case",}}', b"'x'"],
)
def test_malformed_json_is_400_at_the_root(api: Client, raw: bytes) -> None:
    r = api.post("/api/v2/cases", data=raw)
    assert r.status_code == 400
    assert_error_shape(r)
    (error,) = r.json()["errors"]
    assert error["title"] == "Bad Request"
    assert error["source"] == {"pointer": ""}
    assert error["detail"].startswith("malformed JSON: ")


@pytest.mark.parametrize("raw", [b"", b"   ", b"\n\t"])
def test_empty_body_is_400(api: Client, raw: bytes, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"])
    for method, path in [
        ("POST", "/api/v2/cases"),
        ("POST", "/api/v2/cases/projects"),
        ("PUT", f"/api/v2/cases/{case['id']}/insights"),
        ("PATCH", f"/api/v2/cases/projects/{project['id']}"),
    ]:
        r = api.request(method, path, data=raw)
        assert r.status_code == 400, (method, path)
        assert r.json() == bad_request("a JSON request body is required", "")


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"[]", "Expected `object`, got `array`"),
        (b"null", "Expected `object`, got `null`"),
        (b'"case"', "Expected `object`, got `str`"),
        (b"42", "Expected `object`, got `int`"),
    ],
)
def test_body_that_is_not_an_object_is_400_at_the_root(
    api: Client, raw: bytes, detail: str
) -> None:
    r = api.post("/api/v2/cases", data=raw)
    assert r.status_code == 400
    assert r.json() == bad_request(detail, "")


def test_wrong_json_types_name_the_field(api: Client, project: dict[str, Any]) -> None:
    cases = [
        (case_body(project["id"], 123), "/data/attributes/title", "Expected `str`, got `int`"),
        (case_body(project["id"], None), "/data/attributes/title", "Expected `str`, got `null`"),
        (
            case_body(project["id"], description=["x"]),
            "/data/attributes/description",
            "Expected `str`, got `array`",
        ),
        ({"data": "case"}, "/data", "Expected `object`, got `str`"),
        ({"data": {"type": "case", "attributes": []}}, "/data/attributes", None),
        (
            case_body(project["id"], custom_attributes=[1]),
            "/data/attributes/custom_attributes",
            "Expected `object`, got `array`",
        ),
    ]
    body = case_body(project["id"])
    body["data"]["relationships"]["project"]["data"]["id"] = 7
    cases.append((body, "/data/relationships/project/data/id", "Expected `str`, got `int`"))
    for payload, pointer, detail in cases:
        r = api.post("/api/v2/cases", json=payload)
        assert r.status_code == 400, payload
        assert_error_shape(r)
        (error,) = r.json()["errors"]
        assert error["source"] == {"pointer": pointer}, (payload, error)
        if detail is not None:
            assert error["detail"] == detail
    assert case_count(api, project) == 0


def test_missing_required_field_points_at_it(api: Client, project: dict[str, Any]) -> None:
    def without(path: list[str]) -> dict[str, Any]:
        body = case_body(project["id"])
        node = body
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
        return body

    for path in [
        ["data"],
        ["data", "type"],
        ["data", "attributes"],
        ["data", "attributes", "title"],
        ["data", "attributes", "type_id"],
        ["data", "relationships"],
        ["data", "relationships", "project"],
        ["data", "relationships", "project", "data"],
        ["data", "relationships", "project", "data", "id"],
    ]:
        r = api.post("/api/v2/cases", json=without(path))
        assert r.status_code == 400
        assert r.json() == bad_request(
            f"missing required field {path[-1]!r}", "/" + "/".join(path)
        ), path
    r = api.put(f"/api/v2/cases/{uuid.uuid4()}/insights", json=insights_body({"type": "EVENT"}))
    assert r.json() == bad_request(
        "missing required field 'ref'", "/data/attributes/insights/0/ref"
    )
    assert case_count(api, project) == 0


def test_wrong_data_type_is_400(api: Client, project: dict[str, Any]) -> None:
    body = case_body(project["id"])
    body["data"]["type"] = "project"
    r = api.post("/api/v2/cases", json=body)
    assert r.json() == bad_request('got type "project" expected one of "case"', "/data/type")
    body = insights_body(INSIGHT)
    body["data"]["type"] = "cases"
    r = api.put(f"/api/v2/cases/{uuid.uuid4()}/insights", json=body)
    assert r.status_code == 400
    assert r.json() == bad_request('got type "cases" expected one of "case"', "/data/type")


def test_unknown_enum_is_400(api: Client, project: dict[str, Any]) -> None:
    r = api.post("/api/v2/cases", json=case_body(project["id"], priority="P9"))
    assert r.status_code == 400
    assert r.json() == bad_request(
        "invalid priority P9. Must be one of P1, P2, P3, P4, P5, NOT_DEFINED",
        "/data/attributes/priority",
    )
    r = api.post("/api/v2/cases", json=case_body(project["id"], priority="p1"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"pointer": "/data/attributes/priority"}
    case = api.new_case(project["id"])
    r = api.put(
        f"/api/v2/cases/{case['id']}/insights",
        json=insights_body(INSIGHT, {**INSIGHT, "type": "DASHBOARD"}),
    )
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    assert error["source"] == {"pointer": "/data/attributes/insights/1/type"}
    assert error["detail"].startswith("invalid type DASHBOARD. Must be one of SECURITY_SIGNAL, ")
    assert case_count(api, project) == 1
    assert api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]["insights"] == []


def test_nul_characters_are_refused_on_every_engine(api: Client, project: dict[str, Any]) -> None:
    """PostgreSQL cannot store U+0000 in text; both engines refuse it the same way."""
    nul = "a string must not contain the NUL character (\\u0000)"
    r = api.post("/api/v2/cases", json=case_body(project["id"], "a\x00b"))
    assert (r.status_code, r.json()) == (400, bad_request(nul, "/data/attributes/title"))
    r = api.post("/api/v2/cases", json=case_body(project["id"], description="\x00"))
    assert (r.status_code, r.json()) == (400, bad_request(nul, "/data/attributes/description"))
    r = api.post("/api/v2/cases", json=case_body(project["id"], custom_attributes={"a/\x00": "b"}))
    pointer = "/data/attributes/custom_attributes/a~1\x00"
    assert (r.status_code, r.json()) == (400, bad_request(nul, pointer))
    case = api.new_case(project["id"])
    r = api.put(
        f"/api/v2/cases/{case['id']}/insights",
        json=insights_body(INSIGHT, {**INSIGHT, "resource_id": "x\x00"}),
    )
    assert (r.status_code, r.json()) == (
        400,
        bad_request(nul, "/data/attributes/insights/1/resource_id"),
    )
    r = api.post(
        "/api/v2/cases/projects",
        json={"data": {"type": "project", "attributes": {"name": "\x00", "key": "NUL"}}},
    )
    assert (r.status_code, r.json()) == (400, bad_request(nul, "/data/attributes/name"))
    r = api.get("/api/v2/cases", params={"filter": "a\x00"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"parameter": "filter"}
    # An escaped backslash followed by "u0000" is text, not a NUL.
    r = api.post("/api/v2/cases", json=case_body(project["id"], "\\u0000"))
    assert r.status_code == 201
    assert r.json()["data"]["attributes"]["title"] == "\\u0000"
    assert case_count(api, project) == 2


# Body size --------------------------------------------------------------------------------


def _case_bytes(project_id: str, size: int) -> bytes:
    """A case body of exactly `size` bytes (its title padded to fit)."""
    empty = json.dumps(case_body(project_id, "")).encode()
    raw = json.dumps(case_body(project_id, "x" * (size - len(empty)))).encode()
    assert len(raw) == size
    return raw


def test_body_at_the_limit_is_read(api: Client, project: dict[str, Any]) -> None:
    r = api.post("/api/v2/cases", data=_case_bytes(project["id"], LIMIT))
    # Read and validated: the title is too long, which is a 400 and not a 413.
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"pointer": "/data/attributes/title"}


def test_oversize_body_is_413_and_creates_nothing(api: Client, project: dict[str, Any]) -> None:
    too_big = {
        "errors": [
            {
                "status": "413",
                "title": "Payload Too Large",
                "detail": f"request body exceeds {LIMIT} bytes",
            }
        ]
    }
    r = api.post("/api/v2/cases", data=_case_bytes(project["id"], LIMIT + 1))
    assert r.status_code == 413
    assert r.headers["content-type"] == JSONAPI
    assert r.json() == too_big

    # Without a Content-Length (chunked), the limit holds while reading.
    raw = _case_bytes(project["id"], 2 * LIMIT)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 65536):
            yield raw[start : start + 65536]

    r = api.post("/api/v2/cases", data=chunks())
    assert r.status_code == 413
    assert r.json() == too_big
    assert case_count(api, project) == 0
    # The server still serves.
    api.new_case(project["id"])
    assert case_count(api, project) == 1


def test_oversize_insights_body_is_413(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"])
    body = insights_body(*[{**INSIGHT, "resource_id": f"{i:0>20}"} for i in range(20000)])
    r = api.put(f"/api/v2/cases/{case['id']}/insights", json=body)
    assert r.status_code == 413
    assert_error_shape(r)
    assert api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]["insights"] == []


# Path ids ---------------------------------------------------------------------------------

BAD_CASE_REFS = [
    "xyz",
    "ABC-0",
    "ABC-",
    "-1",
    "1-ABC",
    "ABC-01",
    "ABC-1-2",
    "ABC-99999999999999999999",
    "%20",
    "%00",
    "%C3%A9-1",
    "00000000-0000-0000-0000-00000000000g",
    "a" * 300,
]


@pytest.mark.parametrize("ref", BAD_CASE_REFS)
def test_bad_case_ids_are_400(api: Client, ref: str) -> None:
    for method, suffix, body in [
        ("GET", "", None),
        ("POST", "/archive", {"data": {"type": "case"}}),
        ("PUT", "/insights", insights_body(INSIGHT)),
        ("DELETE", "/insights", insights_body(INSIGHT)),
    ]:
        r = api.request(method, f"/api/v2/cases/{ref}{suffix}", json=body)
        assert r.status_code == 400, (method, ref, r.text)
        assert_error_shape(r)
        assert r.json()["errors"][0]["source"] == {"parameter": "case_id"}


@pytest.mark.parametrize(
    "ref", ["ZZZZ-1", "zzzz-1", "A-999999999999999999", str(uuid.uuid4()), uuid.uuid4().hex]
)
def test_unknown_but_well_formed_case_ids_are_404(api: Client, ref: str) -> None:
    r = api.get(f"/api/v2/cases/{ref}")
    assert r.status_code == 404
    assert r.json() == {
        "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
    }


@pytest.mark.parametrize("ref", ["x", "%00", "1" * 400, "%E2%82%AC"])
def test_bad_project_ids_are_400(api: Client, ref: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        body = {"data": {"type": "project", "attributes": {}}} if method == "PATCH" else None
        r = api.request(method, f"/api/v2/cases/projects/{ref}", json=body)
        assert r.status_code == 400, (method, ref, r.text)
        assert_error_shape(r)
        assert r.json()["errors"][0]["source"] == {"parameter": "project_id"}


def test_bad_query_parameters_are_400(api: Client) -> None:
    for params, name in [
        ({"page[size]": "x"}, "page[size]"),
        ({"page[size]": "0"}, "page[size]"),
        ({"page[size]": "101"}, "page[size]"),
        ({"page[number]": "-1"}, "page[number]"),
        ({"page[number]": "9" * 40}, "page[number]"),
        ({"sort[field]": "title"}, "sort[field]"),
        ({"sort[asc]": "yes"}, "sort[asc]"),
        ({"filter": ["a", "b"]}, "filter"),
    ]:
        r = api.get("/api/v2/cases", params=params)
        assert r.status_code == 400, (params, r.text)
        assert_error_shape(r)
        assert r.json()["errors"][0]["source"] == {"parameter": name}


# Property-based: no input makes the server fail ------------------------------------------

FIELDS = [
    "data",
    "type",
    "attributes",
    "relationships",
    "project",
    "id",
    "title",
    "type_id",
    "description",
    "priority",
    "status_name",
    "custom_attributes",
    "assignee",
    "insights",
    "ref",
    "resource_id",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["case", "project", "user", "P1", "NOT_DEFINED", "MONITOR", "Open", STANDARD_TYPE, ""]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), children, max_size=5
        ),
    ),
    max_leaves=20,
)


_DELETE = object()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path inside a JSON value (not the root itself)."""
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        out.append((*prefix, key))
        if isinstance(item, dict | list) and item:
            out += _paths(item, (*prefix, key))
    return out


def _mutate(body: Any, mutations: list[tuple[tuple[Any, ...], Any]]) -> Any:
    body = copy.deepcopy(body)
    for path, value in mutations:
        node = body
        try:
            for part in path[:-1]:
                node = node[part]
            if value is _DELETE:
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced this path
    return body


def _near(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A valid body with up to three parts replaced or removed; now and then pure noise."""

    @st.composite
    def mutated(draw: st.DrawFn) -> Any:
        body = draw(valid)
        paths = _paths(body)
        mutation = st.tuples(st.sampled_from(paths), st.one_of(st.just(_DELETE), json_values))
        return _mutate(body, draw(st.lists(mutation, max_size=3)))

    return st.one_of(mutated(), json_values)


def _case_like(project_id: str) -> st.SearchStrategy[Any]:
    attributes = st.fixed_dictionaries(
        {"title": st.text(min_size=1, max_size=20), "type_id": st.just(STANDARD_TYPE)},
        optional={
            "description": st.text(max_size=20),
            "priority": st.sampled_from(["NOT_DEFINED", "P1", "P2", "P3", "P4", "P5"]),
            "status_name": st.sampled_from(["Open", "In Progress", "Closed"]),
            "custom_attributes": st.just({}),
        },
    )
    relationships = st.fixed_dictionaries(
        {"project": st.just({"data": {"id": project_id, "type": "project"}})},
        optional={"assignee": st.just({"data": None})},
    )
    data = st.fixed_dictionaries(
        {"type": st.just("case"), "attributes": attributes, "relationships": relationships}
    )
    return _near(st.fixed_dictionaries({"data": data}))


def _insights_like() -> st.SearchStrategy[Any]:
    item = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["MONITOR", "INCIDENT", "EVENT", "SCM_URL"]),
            "ref": st.text(min_size=1, max_size=20),
            "resource_id": st.text(min_size=1, max_size=5),
        }
    )
    data = st.fixed_dictionaries(
        {
            "type": st.just("case"),
            "attributes": st.fixed_dictionaries(
                {"insights": st.lists(item, min_size=1, max_size=3)}
            ),
        }
    )
    return _near(st.fixed_dictionaries({"data": data}))


def _check(r: requests.Response) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert_error_shape(r)
    else:
        assert r.headers["content-type"] == JSONAPI
        assert r.json()["data"]["type"] == "case"


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_random_case_bodies_never_fail_the_server(api: Client) -> None:
    project = api.new_project()

    @FUZZ
    @given(body=_case_like(project["id"]))
    def post(body: Any) -> None:
        _check(api.post("/api/v2/cases", data=json.dumps(body)))

    post()


def test_random_insight_bodies_never_fail_the_server(api: Client) -> None:
    project = api.new_project()
    case = api.new_case(project["id"])

    @FUZZ
    @given(body=_insights_like(), method=st.sampled_from(["PUT", "DELETE"]))
    def send(body: Any, method: str) -> None:
        _check(api.request(method, f"/api/v2/cases/{case['id']}/insights", data=json.dumps(body)))

    send()


def test_random_bytes_never_fail_the_server(api: Client) -> None:
    @FUZZ
    @given(raw=st.binary(max_size=64))
    def post(raw: bytes) -> None:
        r = api.post("/api/v2/cases", data=raw)
        assert r.status_code == 400, r.text
        assert_error_shape(r)

    post()
