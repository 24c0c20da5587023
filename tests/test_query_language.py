"""The case query language over HTTP (SearchCases' `filter`), on both engines: the grammar, its
errors, every field, free text, insights, edits seen through the database triggers, tenancy,
sorting and pagination (offsets and the keyset `next_cursor`).

The organisation is shared by every test of a server, so each test works in a fresh project and
filters on `project:KEY` wherever another test's cases could match."""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from conftest import STANDARD_TYPE, Client, Keys, Server

Case = dict[str, Any]
EMPTY = {"data": {"type": "case"}}


# --------------------------------------------------------------------------- helpers


def token(prefix: str = "w") -> str:
    """A word (lower-case letters) no other test uses."""
    return prefix + "".join(random.choices(string.ascii_lowercase, k=10))


def get(api: Client, text: str, **params: Any) -> requests.Response:
    return api.get("/api/v2/cases", params={"filter": text, **params})


def search(api: Client, text: str, **params: Any) -> dict[str, Any]:
    r = get(api, text, **params)
    assert r.status_code == 200, (text, r.text)
    body: dict[str, Any] = r.json()
    return body


def key_of(project: dict[str, Any]) -> str:
    key: str = project["attributes"]["key"]
    return key


def key_filter(project: dict[str, Any]) -> str:
    return f"project:{key_of(project)}"


def ids(body: dict[str, Any]) -> list[str]:
    return [c["id"] for c in body["data"]]


def found(api: Client, project: dict[str, Any], text: str) -> set[str]:
    """Titles of the project's cases matching `text`, as a set (order aside)."""
    where = f"{key_filter(project)} ({text})" if text else key_filter(project)
    body = search(api, where, **{"page[size]": 100})
    return {c["attributes"]["title"] for c in body["data"]}


def query_error(api: Client, text: str, **params: Any) -> str:
    """The detail of the one 400 error a filter gets, checking the error's whole shape."""
    r = get(api, text, **params)
    assert r.status_code == 400, (text, r.text)
    assert r.headers["content-type"] == "application/vnd.api+json"
    (error,) = r.json()["errors"]
    assert set(error) == {"status", "title", "detail", "source"}, error
    assert error["status"] == "400"
    assert error["title"] == "Bad Request"
    assert error["source"] == {"parameter": "filter"}
    detail: str = error["detail"]
    return detail


def edit(api: Client, case_id: str, path: str, **attributes: Any) -> Case:
    r = api.post(
        f"/api/v2/cases/{case_id}/{path}", json={"data": {"type": "case", "attributes": attributes}}
    )
    assert r.status_code == 200, r.text
    data: Case = r.json()["data"]
    return data


def archive(api: Client, case_id: str) -> None:
    r = api.post(f"/api/v2/cases/{case_id}/archive", json=EMPTY)
    assert r.status_code == 200, r.text


def _insights(api: Client, method: str, case_id: str, insights: tuple[Any, ...]) -> None:
    listed = [{"type": t, "resource_id": i, "ref": ref} for t, i, ref in insights]
    body = {"data": {"type": "case", "attributes": {"insights": listed}}}
    r = api.request(method, f"/api/v2/cases/{case_id}/insights", json=body)
    assert r.status_code == 200, r.text


def add_insights(api: Client, case_id: str, *insights: tuple[str, str, str]) -> None:
    _insights(api, "PUT", case_id, insights)


def remove_insights(api: Client, case_id: str, *insights: tuple[str, str, str]) -> None:
    _insights(api, "DELETE", case_id, insights)


def new_type(api: Client, name: str) -> dict[str, Any]:
    r = api.post(
        "/api/v2/cases/types", json={"data": {"type": "case_type", "attributes": {"name": name}}}
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def new_config(api: Client, type_id: str, key: str, kind: str, is_multi: bool = False) -> None:
    r = api.post(
        f"/api/v2/cases/types/{type_id}/custom_attributes",
        json={
            "data": {
                "type": "custom_attribute",
                "attributes": {
                    "key": key,
                    "display_name": key,
                    "type": kind,
                    "is_multi": is_multi,
                },
            }
        },
    )
    assert r.status_code == 201, r.text


def custom(kind: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "is_multi": isinstance(value, list), "value": value}


def attr_key(prefix: str = "k") -> str:
    return prefix + "_" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8))


def new_case_as(
    api: Client, project: dict[str, Any], title: str, assignee: str | None = None, **attrs: Any
) -> Case:
    data: Case = api.new_case(project["id"], title, assignee, **attrs)
    return data


class Person:
    def __init__(self, server: Server, org: str, handle: str | None = None) -> None:
        self.email = f"{token('u')}@{org}.test"
        args = ["users", "create", "--org", org, "--email", self.email, "--json"]
        if handle is not None:
            args += ["--handle", handle]
        made = json.loads(server.cli(*args).stdout)
        self.id: str = made["id"]
        self.handle: str = made["handle"]
        self.keys: Keys = server.create_keys(org, self.email)
        self.api = server.client(self.keys)


@pytest.fixture(scope="module")
def bob(server: Server) -> Person:
    """A second user of `acme`, with a handle of his own and keys."""
    return Person(server, "acme", handle=token("bob"))


# --------------------------------------------------------------------------- grammar


@pytest.fixture
def colours(api: Client, project: dict[str, Any]) -> dict[str, Case]:
    names = ["red", "blue", "green", "blue green", "red green", "green blue"]
    return {n: api.new_case(project["id"], n) for n in names}


def test_juxtaposition_and_explicit_and(
    api: Client, project: dict[str, Any], colours: dict[str, Case]
) -> None:
    assert found(api, project, "blue green") == {"blue green", "green blue"}
    assert found(api, project, "blue AND green") == {"blue green", "green blue"}
    assert found(api, project, "red") == {"red", "red green"}
    # AND is a keyword only in upper case; `and` is a word to look for.
    assert found(api, project, "blue and green") == set()


def test_or_and_precedence(api: Client, project: dict[str, Any], colours: dict[str, Case]) -> None:
    assert found(api, project, "red OR blue") == {
        "red",
        "blue",
        "blue green",
        "red green",
        "green blue",
    }
    # AND (explicit or implied) binds tighter than OR.
    expected = {"red", "red green", "blue green", "green blue"}
    assert found(api, project, "red OR blue AND green") == expected
    assert found(api, project, "red OR blue green") == expected
    assert found(api, project, "blue green OR red") == expected
    # Parentheses regroup.
    assert found(api, project, "(red OR blue) AND green") == {
        "red green",
        "blue green",
        "green blue",
    }
    assert found(api, project, "(red OR blue) green") == {"red green", "blue green", "green blue"}
    assert found(api, project, "((((red))))") == {"red", "red green"}
    assert found(api, project, "(red OR (blue (green)))") == expected


def test_not_and_minus(api: Client, project: dict[str, Any], colours: dict[str, Case]) -> None:
    assert found(api, project, "NOT green") == {"red", "blue"}
    assert found(api, project, "-green") == {"red", "blue"}
    assert found(api, project, "green -blue") == {"green", "red green"}
    assert found(api, project, "green AND NOT blue") == {"green", "red green"}
    assert found(api, project, "NOT NOT red") == {"red", "red green"}
    # NOT binds tighter than AND and OR.
    assert found(api, project, "NOT red OR blue") == {"blue", "green", "blue green", "green blue"}
    assert found(api, project, "NOT (red OR blue)") == {"green"}
    assert found(api, project, "-(red OR blue)") == {"green"}
    assert found(api, project, "-red -blue") == {"green"}


def test_minus_inside_a_word_is_a_letter(api: Client, project: dict[str, Any]) -> None:
    api.new_case(project["id"], "case-api outage")
    api.new_case(project["id"], "api case")
    api.new_case(project["id"], "do not disturb")
    # `case-api` is the phrase "case api", not `case AND NOT api`.
    assert found(api, project, "case-api") == {"case-api outage"}
    assert found(api, project, "case -api") == set()
    assert found(api, project, "outage -case") == set()
    # Lower-case keywords are words.
    assert found(api, project, "not") == {"do not disturb"}


def test_quoted_values(api: Client, project: dict[str, Any], colours: dict[str, Case]) -> None:
    assert found(api, project, '"blue green"') == {"blue green"}
    assert found(api, project, '"green blue"') == {"green blue"}
    assert found(api, project, '"red" OR "blue"') == found(api, project, "red OR blue")
    # Quoted keywords are words, not operators.
    api.new_case(project["id"], "this OR that")
    assert found(api, project, '"OR"') == {"this OR that"}
    assert found(api, project, 'this "OR" that') == {"this OR that"}


def test_value_lists(api: Client, project: dict[str, Any]) -> None:
    api.new_case(project["id"], "p1", priority="P1")
    api.new_case(project["id"], "p2", priority="P2")
    api.new_case(project["id"], "p3", priority="P3")
    api.new_case(project["id"], "p2 closed", priority="P2", status_name="Closed")
    assert found(api, project, "priority:(P1 OR P2)") == {"p1", "p2", "p2 closed"}
    assert found(api, project, "priority:(P1 OR P2) status:open") == {"p1", "p2"}
    assert found(api, project, "priority:(P1 OR p3 OR P5)") == {"p1", "p3"}
    assert found(api, project, "-priority:(P1 OR P2)") == {"p3"}
    assert found(api, project, "status:(open OR closed) -priority:P1") == {"p2", "p3", "p2 closed"}


def test_wildcards(api: Client, project: dict[str, Any]) -> None:
    k = attr_key("svc")
    cases = {}
    for title, values in [
        ("web-1", ["web-1"]),
        ("web-prod-1", ["web-prod-1"]),
        ("web-2", ["web-2"]),
        ("api", ["case-api"]),
        ("none", None),
    ]:
        case = api.new_case(project["id"], title)
        if values is not None:
            edit(api, case["id"], "attributes", attributes={k: values})
        cases[title] = case
    # Prefix, infix, suffix.
    assert found(api, project, f"attributes.{k}:web*") == {"web-1", "web-prod-1", "web-2"}
    assert found(api, project, f"attributes.{k}:web*1") == {"web-1", "web-prod-1"}
    assert found(api, project, f"attributes.{k}:w*-*1") == {"web-1", "web-prod-1"}
    assert found(api, project, f"attributes.{k}:*api") == {"api"}
    assert found(api, project, f"attributes.{k}:*-*") == {"web-1", "web-prod-1", "web-2", "api"}
    assert found(api, project, f"attributes.{k}:web") == set()  # no star: the whole value
    # field:* is "has a value"; a bare * is every case.
    assert found(api, project, f"attributes.{k}:*") == {"web-1", "web-prod-1", "web-2", "api"}
    assert found(api, project, f"-attributes.{k}:*") == {"none"}
    assert found(api, project, "*") == set(cases)
    assert search(api, f"{key_filter(project)} *")["meta"]["total_cases"] == 5
    # Keys take wildcards too.
    key = key_of(project)
    assert found(api, project, f"key:{key}-*") == set(cases)
    assert found(api, project, f"key:{key}-1*") == {"web-1"}
    assert found(api, project, f"key:*-{cases['api']['attributes']['key'].split('-')[1]}") == {
        "api"
    }


def test_escapes(api: Client, project: dict[str, Any]) -> None:
    k = attr_key("raw")
    for title, value in [
        ("star", "a*b"),
        ("plain", "axxb"),
        ("call", "f(x)"),
        ("slash", "back\\slash"),
        ("spaced", "red team"),
        ("colon", "db:5432"),
    ]:
        case = api.new_case(project["id"], title)
        edit(api, case["id"], "attributes", attributes={k: [value]})
    f = f"attributes.{k}"
    assert found(api, project, f"{f}:a\\*b") == {"star"}  # `\*` is a star
    assert found(api, project, f"{f}:a*b") == {"star", "plain"}  # `*` is a wildcard
    assert found(api, project, f'{f}:"a*b"') == {"star", "plain"}  # …quoted or not
    assert found(api, project, f'{f}:"a\\*b"') == {"star"}
    assert found(api, project, f"{f}:f\\(x\\)") == {"call"}
    assert found(api, project, f"{f}:back\\\\slash") == {"slash"}
    assert found(api, project, f'{f}:"red team"') == {"spaced"}
    assert found(api, project, f"{f}:red\\ team") == {"spaced"}
    assert found(api, project, f"{f}:db:5432") == {"colon"}
    assert found(api, project, f'{f}:"db:5432"') == {"colon"}


# --------------------------------------------------------------------------- errors


AT = "invalid query at position {}: "
SYNTAX_ERRORS = [
    ('title:"open', 6, "unterminated quoted value, expected a closing '\"'"),
    ('"', 0, "unterminated quoted value, expected a closing '\"'"),
    ("(status:open", 12, "expected ')', found the end of the query"),
    ("(status:open OR (priority:P1)", 29, "expected ')', found the end of the query"),
    ("status:open)", 11, "expected AND, OR or the end of the query, found ')'"),
    ("status:(open OR closed", 22, "expected OR or ')' in a list of values, found the end"),
    ("status:(open AND closed)", 13, "expected OR or ')' in a list of values, found 'AND'"),
    ("status:open AND", 15, 'expected a term (a word, a "phrase" or field:value), found the end'),
    ("status:open OR", 14, 'expected a term (a word, a "phrase" or field:value), found the end'),
    ("AND status:open", 0, "expected a term (a word, a \"phrase\" or field:value), found 'AND'"),
    ("OR status:open", 0, "expected a term (a word, a \"phrase\" or field:value), found 'OR'"),
    ("red AND OR blue", 8, "expected a term (a word, a \"phrase\" or field:value), found 'OR'"),
    ("NOT", 3, 'expected a term (a word, a "phrase" or field:value), found the end'),
    ("status:", 7, "expected a value, found the end of the query"),
    ("status: AND priority:P1", 8, "expected a value, found 'AND'"),
    ("created_at:[2026-01-01 2026-02-01]", 23, "expected TO in a range, found '2026-02-01'"),
    ("created_at:[2026-01-01 TO", 25, "expected a value, found the end of the query"),
    ("created_at:[2026-01-01 TO 2026-02-01", 36, "expected ']' or '}' closing the range"),
    ("red\\", 3, "expected a character after '\\'"),
]


@pytest.mark.parametrize(("text", "position", "message"), SYNTAX_ERRORS)
def test_syntax_errors(api: Client, text: str, position: int, message: str) -> None:
    detail = query_error(api, text)
    assert detail.startswith(AT.format(position) + message), detail


def value_errors(project: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        ("nosuchfield:x", 0, "unknown field 'nosuchfield': expected one of status, priority,"),
        ("status:open nosuchfield:x", 12, "unknown field 'nosuchfield'"),
        ("title:x", 0, "unknown field 'title'"),
        ("insight.nope:x", 0, "unknown field 'insight.nope', expected insight.type,"),
        ("priority:P9", 9, "unknown priority 'P9', expected one of NOT_DEFINED, P1, P2, P3,"),
        ("priority:P*", 9, "unknown priority 'P*'"),
        ("priority:>P1", 0, "priority takes values, not comparisons or ranges"),
        ("status:nonsense", 7, "unknown status 'nonsense', expected open, in_progress or closed"),
        ("status:[open TO closed]", 0, "status takes values, not comparisons or ranges"),
        ("archived:maybe", 9, "archived takes true or false, not 'maybe'"),
        ("created_at:yesterday", 11, "invalid time 'yesterday', expected a date (2026-01-31),"),
        ("created_at:>yesterday", 12, "invalid time 'yesterday'"),
        ("modified_at:[2026-01-01 TO soon]", 27, "invalid time 'soon'"),
        ("created_at:2026-02-30", 11, "invalid time '2026-02-30'"),
        ("custom.n:>abc", 10, "expected a number, found 'abc'"),
        ("custom.n:[1 TO x]", 15, "expected a number, found 'x'"),
        ("project:NOSUCHPROJ", 8, "unknown project 'NOSUCHPROJ'"),
        (f"project:{uuid.uuid4()}", 8, "unknown project '"),
        ("type:nosuchtype", 5, "unknown case type 'nosuchtype'"),
        (f"type:{uuid.uuid4()}", 5, "unknown case type '"),
        ("assignee:nobody@nowhere.test", 9, "unknown user 'nobody@nowhere.test', expected an id,"),
        ("creator:nobody", 8, "unknown user 'nobody'"),
        (f"assignee:{uuid.uuid4()}", 9, "unknown user '"),
        ("assignee:ali*", 9, "assignee takes no wildcards but *"),
        ("insight.type:NOPE", 13, "unknown insight type 'NOPE', expected one of SECURITY_SIGNAL,"),
        ("insight.resource_id:>5", 0, "insight.resource_id takes values, not comparisons"),
        ("di*k", 0, "in free text, * may only end a word (disk*)"),
        ("*isk", 0, "in free text, * may only end a word (disk*)"),
        ("%", 0, "'%' holds no word to search for"),
        ("attributes.:x", 0, "'attributes.' names no key"),
        # Positions count from the start of the whole filter.
        (f"{key_filter(project)} priority:P9", len(key_filter(project)) + 10, "unknown priority"),
    ]


def test_value_errors(api: Client, project: dict[str, Any]) -> None:
    for text, position, message in value_errors(project):
        detail = query_error(api, text)
        assert detail.startswith(AT.format(position) + message), (text, detail)


def test_query_length_limit(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "long query")
    exact = key_filter(project) + " " * (4096 - len(key_filter(project)))
    assert len(exact) == 4096
    assert ids(search(api, exact)) == [case["id"]]
    detail = query_error(api, exact + " ")
    assert detail == AT.format(4096) + "the query is longer than 4096 characters"
    # Even a query that would fail otherwise reports its length first.
    assert query_error(api, "(" * 5000).endswith("the query is longer than 4096 characters")


def test_nesting_limit(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "deep")
    deep = f"{key_filter(project)} " + "(" * 32 + "deep" + ")" * 32
    assert ids(search(api, deep)) == [case["id"]]
    notted = f"{key_filter(project)} " + "NOT " * 31 + "shallow"
    assert ids(search(api, notted)) == [case["id"]]  # 31 NOTs: NOT shallow
    detail = query_error(api, "(" * 33 + "deep" + ")" * 33)
    assert detail == AT.format(33) + "nested more than 32 levels deep"
    detail = query_error(api, "NOT " * 33 + "deep")
    assert detail.endswith("nested more than 32 levels deep"), detail
    detail = query_error(api, "(" * 16 + "NOT " * 17 + "deep" + ")" * 16)
    assert detail.endswith("nested more than 32 levels deep"), detail


@pytest.mark.parametrize(
    "params",
    [
        {"page[size]": "0"},
        {"page[size]": "101"},
        {"page[number]": "0"},
        {"sort[field]": "title"},
        {"sort[asc]": "maybe"},
        {"page[cursor]": "garbage"},
        {"page[size]": "abc", "page[number]": "-1", "sort[field]": "x", "page[cursor]": "!"},
    ],
)
def test_syntax_errors_come_before_other_parameters(api: Client, params: dict[str, str]) -> None:
    for text in ('status:"open', "(status:open", "status:", "red AND"):
        detail = query_error(api, text, **params)
        assert detail.startswith("invalid query at position "), detail


# --------------------------------------------------------------------------- fields


def test_status(api: Client, project: dict[str, Any]) -> None:
    api.new_case(project["id"], "open")
    api.new_case(project["id"], "busy", status_name="In Progress")
    api.new_case(project["id"], "done", status_name="Closed")
    assert found(api, project, "status:open") == {"open"}
    assert found(api, project, "status:OPEN") == {"open"}
    assert found(api, project, "status:in_progress") == {"busy"}
    assert found(api, project, "status:IN_PROGRESS") == {"busy"}
    assert found(api, project, 'status:"in progress"') == {"busy"}
    assert found(api, project, "-status:closed") == {"open", "busy"}
    assert found(api, project, "status:(open OR in_progress)") == {"open", "busy"}
    assert found(api, project, "status:*") == {"open", "busy", "done"}


def test_priority(api: Client, project: dict[str, Any]) -> None:
    for p in ("P1", "P2", "P3", "P4", "P5", "NOT_DEFINED"):
        api.new_case(project["id"], p.lower(), priority=p)
    assert found(api, project, "priority:P1") == {"p1"}
    assert found(api, project, "priority:p5") == {"p5"}
    assert found(api, project, "priority:not_defined") == {"not_defined"}
    assert found(api, project, "-priority:NOT_DEFINED") == {"p1", "p2", "p3", "p4", "p5"}
    assert len(found(api, project, "priority:*")) == 6


def test_project_by_key_id_and_wildcard(api: Client) -> None:
    stem = "Q" + "".join(random.choices(string.ascii_uppercase, k=6))
    one, two = api.new_project(key=stem + "A"), api.new_project(key=stem + "B")
    a = api.new_case(one["id"], "in one")
    b = api.new_case(two["id"], "in two")
    assert ids(search(api, f"project:{stem}A")) == [a["id"]]
    assert ids(search(api, f"project:{stem.lower()}b")) == [b["id"]]
    assert ids(search(api, f"project:{one['id']}")) == [a["id"]]
    assert ids(search(api, f"project:{one['id'].upper()}")) == [a["id"]]
    assert ids(search(api, f"project:{stem}*")) == [b["id"], a["id"]]
    assert ids(search(api, f"project:({stem}A OR {two['id']})")) == [b["id"], a["id"]]
    assert ids(search(api, f"project:{stem}* -project:{stem}A")) == [b["id"]]
    # A wildcard that matches no project matches no case (it is no typo guard).
    assert search(api, f"project:{stem}ZZZ*")["meta"]["total_cases"] == 0


def test_type_by_name_and_id(api: Client, project: dict[str, Any]) -> None:
    name = "Cloud " + token("t")
    cloud = new_type(api, name)
    api.new_case(project["id"], "standard")
    api.new_case(project["id"], "cloud", type_id=cloud["id"])
    api.new_case(project["id"], "security", type_id="00000000-0000-0000-0000-000000000003")
    assert found(api, project, f'type:"{name}"') == {"cloud"}
    assert found(api, project, f'type:"{name.upper()}"') == {"cloud"}
    assert found(api, project, f"type:{cloud['id']}") == {"cloud"}
    assert found(api, project, "type:standard") == {"standard"}
    assert found(api, project, f"type:{STANDARD_TYPE}") == {"standard"}
    assert found(api, project, "type:security") == {"security"}
    assert found(api, project, "type:cloud*") == {"cloud"}
    assert found(api, project, "-type:standard") == {"cloud", "security"}


def test_assignee_and_creator(
    api: Client, keys: Keys, project: dict[str, Any], bob: Person
) -> None:
    new_case_as(api, project, "mine, unassigned")
    new_case_as(api, project, "mine, for bob", assignee=bob.id)
    new_case_as(bob.api, project, "bob's, for alice", assignee=keys.user_id)
    new_case_as(bob.api, project, "bob's, for bob", assignee=bob.id)
    for ref in (bob.id, bob.id.upper(), bob.email, bob.email.upper(), bob.handle):
        assert found(api, project, f"assignee:{ref}") == {"mine, for bob", "bob's, for bob"}, ref
        assert found(api, project, f"creator:{ref}") == {"bob's, for alice", "bob's, for bob"}
    assert found(api, project, f'creator:"{bob.email}"') == {"bob's, for alice", "bob's, for bob"}
    alice = "alice@acme.test"
    assert found(api, project, f"assignee:{alice}") == {"bob's, for alice"}
    assert found(api, project, f"creator:{keys.user_id}") == {"mine, unassigned", "mine, for bob"}
    assert found(api, project, f"assignee:({alice} OR {bob.handle})") == {
        "mine, for bob",
        "bob's, for alice",
        "bob's, for bob",
    }
    assert found(api, project, f"creator:{alice} assignee:{bob.email}") == {"mine, for bob"}
    # assignee:* is "assigned"; -assignee:* is "unassigned".
    assert found(api, project, "assignee:*") == {
        "mine, for bob",
        "bob's, for alice",
        "bob's, for bob",
    }
    assert found(api, project, "-assignee:*") == {"mine, unassigned"}
    assert found(api, project, f"-assignee:{bob.email}") == {"mine, unassigned", "bob's, for alice"}
    assert len(found(api, project, "creator:*")) == 4


def test_assignee_follows_assign_and_unassign(
    api: Client, project: dict[str, Any], bob: Person
) -> None:
    case = api.new_case(project["id"], "moving target")
    assert found(api, project, f"assignee:{bob.email}") == set()
    edit(api, case["id"], "assign", assignee_id=bob.id)
    assert found(api, project, f"assignee:{bob.email}") == {"moving target"}
    assert found(api, project, "-assignee:*") == set()
    r = api.post(f"/api/v2/cases/{case['id']}/unassign", json=EMPTY)
    assert r.status_code == 200, r.text
    assert found(api, project, f"assignee:{bob.email}") == set()
    assert found(api, project, "-assignee:*") == {"moving target"}


def test_archived(api: Client, project: dict[str, Any]) -> None:
    api.new_case(project["id"], "live")
    gone = api.new_case(project["id"], "gone")
    archive(api, gone["id"])
    assert found(api, project, "archived:true") == {"gone"}
    assert found(api, project, "archived:TRUE") == {"gone"}
    assert found(api, project, "archived:false") == {"live"}
    assert found(api, project, "-archived:true") == {"live"}
    assert found(api, project, "archived:(true OR false)") == {"live", "gone"}
    # Archived cases are searched like any other unless the filter says otherwise.
    assert found(api, project, "") == {"live", "gone"}
    r = api.post(f"/api/v2/cases/{gone['id']}/unarchive", json=EMPTY)
    assert r.status_code == 200, r.text
    assert found(api, project, "archived:true") == set()


def test_key_including_a_moved_cases_old_key(api: Client) -> None:
    source, dest = api.new_project(), api.new_project()
    src, dst = key_of(source), key_of(dest)
    api.new_case(source["id"], "stays")
    mover = api.new_case(source["id"], "moves")
    api.new_case(dest["id"], "already there")
    assert ids(search(api, f"key:{src}-2")) == [mover["id"]]
    assert ids(search(api, f"key:{src.lower()}-2")) == [mover["id"]]
    r = api.patch(
        f"/api/v2/cases/{mover['id']}/relationships/project",
        json={"data": {"type": "project", "id": dest["id"]}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["key"] == f"{dst}-2"
    # Both keys find it; it is in the destination project now.
    assert ids(search(api, f"key:{src}-2")) == [mover["id"]]
    assert ids(search(api, f"key:{dst}-2")) == [mover["id"]]
    both = search(api, f"key:({src}-2 OR {dst}-1)")
    assert set(ids(both)) == {mover["id"], search(api, f"key:{dst}-1")["data"][0]["id"]}
    assert ids(search(api, f"project:{dst} key:{src}-2")) == [mover["id"]]
    assert search(api, f"project:{src} key:{src}-2")["meta"]["total_cases"] == 0
    assert found(api, source, f"key:{src}-*") == {"stays"}
    assert found(api, dest, f"key:{src}-*") == {"moves"}
    assert search(api, f"key:{src}-3")["meta"]["total_cases"] == 0


def created(case: Case) -> str:
    stamp: str = case["attributes"]["created_at"]
    return stamp


def test_created_at(api: Client, project: dict[str, Any]) -> None:
    first = api.new_case(project["id"], "first")
    second = api.new_case(project["id"], "second")
    third = api.new_case(project["id"], "third")
    everything = {"first", "second", "third"}
    # Exact instants (microseconds, as the API writes them).
    t2 = created(second)
    assert found(api, project, f"created_at:>={t2}") == {"second", "third"}
    assert found(api, project, f"created_at:<{t2}") == {"first"}
    assert found(api, project, f"created_at:{t2}") == {"second"}
    assert found(api, project, f"created_at:[{created(first)} TO {t2}]") == {"first", "second"}
    assert found(api, project, f"created_at:{{{created(first)} TO {created(third)}}}") == {"second"}
    assert found(api, project, f"created_at:[{t2} TO *]") == {"second", "third"}
    assert found(api, project, f"created_at:[* TO {t2}}}") == {"first"}
    # A date is the whole UTC day.
    today = date.fromisoformat(t2[:10])
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert found(api, project, f"created_at:{today}") == everything
    assert found(api, project, f"created_at:{yesterday}") == set()
    assert found(api, project, f"created_at:>{yesterday}") == everything
    assert found(api, project, f"created_at:>{today}") == set()
    assert found(api, project, f"created_at:>={today}") == everything
    assert found(api, project, f"created_at:<{today}") == set()
    assert found(api, project, f"created_at:<={today}") == everything
    assert found(api, project, f"created_at:<{tomorrow}") == everything
    assert found(api, project, f"created_at:[{yesterday} TO {today}]") == everything
    assert found(api, project, f"created_at:{{{yesterday} TO {today}}}") == set()
    assert found(api, project, f"created_at:{{{yesterday} TO {tomorrow}}}") == everything
    assert found(api, project, f"created_at:[{today} TO {today}]") == everything
    assert found(api, project, f"created_at:({yesterday} OR {today})") == everything
    # Relative times.
    assert found(api, project, "created_at:>now-7d") == everything
    assert found(api, project, "created_at:<now-7d") == set()
    assert found(api, project, "created_at:[now-1h TO now+1h]") == everything
    assert found(api, project, "created_at:>now") == set()
    assert found(api, project, "created_at:*") == everything


def test_modified_at(api: Client, project: dict[str, Any]) -> None:
    old = api.new_case(project["id"], "untouched")
    touched = api.new_case(project["id"], "touched")
    later = api.new_case(project["id"], "created later")
    after_edit = edit(api, touched["id"], "priority", priority="P2")
    m = after_edit["attributes"]["modified_at"]
    assert m > created(later)
    # An unmodified case counts as modified when it was created.
    assert found(api, project, f"modified_at:>={m}") == {"touched"}
    assert found(api, project, f"modified_at:<{m}") == {"untouched", "created later"}
    assert found(api, project, f"modified_at:<{created(later)}") == {"untouched"}
    assert found(api, project, f"modified_at:>={created(later)}") == {"touched", "created later"}
    assert found(api, project, f"created_at:<{created(later)} modified_at:>={m}") == {"touched"}
    assert found(api, project, "modified_at:>now-1h") == {"untouched", "touched", "created later"}
    assert "modified_at" not in old["attributes"]


def test_attributes_by_prefix_and_bare_key(api: Client, project: dict[str, Any]) -> None:
    team, env = attr_key("team"), attr_key("env")
    for title, attrs in [
        ("red", {team: ["red"], env: ["prod"]}),
        ("red blue", {team: ["Red", "blue"]}),
        ("spaced", {team: ["red team"]}),
        ("none", {}),
    ]:
        case = api.new_case(project["id"], title)
        edit(api, case["id"], "attributes", attributes=attrs)
    assert found(api, project, f"attributes.{team}:red") == {"red", "red blue"}
    assert found(api, project, f"{team}:red") == {"red", "red blue"}  # bare key: in use
    assert found(api, project, f"{team}:RED") == {"red", "red blue"}  # case-insensitive
    assert found(api, project, f"{team}:blue") == {"red blue"}
    assert found(api, project, f"{team}:red*") == {"red", "red blue", "spaced"}
    assert found(api, project, f"{team}:(blue OR prod)") == {"red blue"}
    assert found(api, project, f"{team}:red {env}:prod") == {"red"}
    assert found(api, project, f"{team}:red -{env}:*") == {"red blue"}
    assert found(api, project, f"-{team}:*") == {"none"}
    # A key no case has: by prefix nothing matches; bare, it is an unknown field (typo guard).
    unused = attr_key("unused")
    assert found(api, project, f"attributes.{unused}:x") == set()
    assert found(api, project, f"attributes.{unused}:*") == set()
    detail = query_error(api, f"{unused}:x")
    assert detail.startswith(AT.format(0) + f"unknown field {unused!r}"), detail


def test_custom_attributes(api: Client, project: dict[str, Any]) -> None:
    kind = new_type(api, "Custom " + token("t"))
    n, m, t = attr_key("num"), attr_key("nums"), attr_key("text")
    new_config(api, kind["id"], n, "NUMBER")
    new_config(api, kind["id"], m, "NUMBER", is_multi=True)
    new_config(api, kind["id"], t, "TEXT")
    for title, values in [
        ("one", {n: custom("NUMBER", 1), t: custom("TEXT", "Hello world")}),
        ("five", {n: custom("NUMBER", 5), m: custom("NUMBER", [1.5, -3])}),
        ("ten", {n: custom("NUMBER", 10.5), t: custom("TEXT", "help")}),
        ("bare", {}),
    ]:
        api.new_case(project["id"], title, type_id=kind["id"], custom_attributes=values)
    for field in (f"custom.{n}", n):  # by prefix, and bare: the key is configured
        assert found(api, project, f"{field}:5") == {"five"}
        assert found(api, project, f"{field}:5.0") == {"five"}
        assert found(api, project, f"{field}:>5") == {"ten"}
        assert found(api, project, f"{field}:>=5") == {"five", "ten"}
        assert found(api, project, f"{field}:<5") == {"one"}
        assert found(api, project, f"{field}:<=5") == {"one", "five"}
        assert found(api, project, f"{field}:[1 TO 5]") == {"one", "five"}
        assert found(api, project, f"{field}:{{1 TO 10.5}}") == {"five"}
        assert found(api, project, f"{field}:[5 TO *]") == {"five", "ten"}
        assert found(api, project, f"{field}:[* TO 5}}") == {"one"}
        assert found(api, project, f"{field}:(1 OR 10.5)") == {"one", "ten"}
        assert found(api, project, f"{field}:>-1e3") == {"one", "five", "ten"}
        assert found(api, project, f"{field}:*") == {"one", "five", "ten"}
        assert found(api, project, f"-{field}:*") == {"bare"}
    assert found(api, project, f"custom.{m}:<0") == {"five"}
    assert found(api, project, f"{m}:1.5") == {"five"}
    assert found(api, project, f"{m}:[-3 TO -3]") == {"five"}
    for field in (f"custom.{t}", t):
        assert found(api, project, f'{field}:"hello world"') == {"one"}
        assert found(api, project, f"{field}:hel*") == {"one", "ten"}
        assert found(api, project, f"{field}:HELP") == {"ten"}
        assert found(api, project, f"{field}:hello") == set()  # the whole value
        assert found(api, project, f"{field}:*world") == {"one"}
    # A number comparison does not match text; a text value needs no number.
    assert found(api, project, f"custom.{t}:>0") == set()


def test_bare_key_prefers_the_custom_attribute(api: Client, project: dict[str, Any]) -> None:
    kind = new_type(api, "Both " + token("t"))
    k = attr_key("both")
    new_config(api, kind["id"], k, "TEXT")
    case = api.new_case(
        project["id"], "both", type_id=kind["id"], custom_attributes={k: custom("TEXT", "custom")}
    )
    edit(api, case["id"], "attributes", attributes={k: ["plain"]})
    assert found(api, project, f"{k}:custom") == {"both"}
    assert found(api, project, f"{k}:plain") == set()
    assert found(api, project, f"custom.{k}:custom") == {"both"}
    assert found(api, project, f"attributes.{k}:plain") == {"both"}
    assert found(api, project, f"attributes.{k}:custom") == set()


def test_free_text(api: Client, project: dict[str, Any]) -> None:
    api.new_case(project["id"], "Disk full on db-1", description="The kernel panicked at boot")
    api.new_case(project["id"], "Discovery call", description="")
    api.new_case(project["id"], "DNS outage", description="disk is FINE")
    api.new_case(project["id"], "Échec du déploiement", description="Straße gesperrt")
    api.new_case(project["id"], "alpha", description="beta")
    # A word, in the title or in the description, in any case.
    assert found(api, project, "disk") == {"Disk full on db-1", "DNS outage"}
    assert found(api, project, "DISK") == {"Disk full on db-1", "DNS outage"}
    assert found(api, project, "kernel") == {"Disk full on db-1"}
    assert found(api, project, "fine") == {"DNS outage"}
    # Words, not substrings; a trailing star makes a prefix.
    assert found(api, project, "dis") == set()
    assert found(api, project, "dis*") == {"Disk full on db-1", "Discovery call", "DNS outage"}
    assert found(api, project, "DISC*") == {"Discovery call"}
    assert found(api, project, "pan*") == {"Disk full on db-1"}
    # A phrase: consecutive words in one field.
    assert found(api, project, '"disk full"') == {"Disk full on db-1"}
    assert found(api, project, '"full disk"') == set()
    assert found(api, project, '"kernel panicked"') == {"Disk full on db-1"}
    assert found(api, project, '"db 1"') == {"Disk full on db-1"}
    assert found(api, project, "db-1") == {"Disk full on db-1"}
    assert found(api, project, '"alpha beta"') == set()  # title and description are apart
    assert found(api, project, "alpha beta") == {"alpha"}  # …but each word may be anywhere
    assert found(api, project, '"disk full on d*"') == {"Disk full on db-1"}
    # Non-ASCII, case-insensitive.
    assert found(api, project, "ÉCHEC") == {"Échec du déploiement"}
    assert found(api, project, "déploiement") == {"Échec du déploiement"}
    assert found(api, project, "STRAßE") == {"Échec du déploiement"}
    assert found(api, project, "dépl*") == {"Échec du déploiement"}
    assert found(api, project, "deploiement") == set()  # accents count


INSIGHTS = {
    "cites monitor 12345": [("MONITOR", "12345", "/monitors/12345?q=1")],
    "cites monitor 999 and incident 12345": [
        ("MONITOR", "999", "/monitors/999"),
        ("INCIDENT", "12345", "/incidents/12345"),
    ],
    "closed, cites monitor 12345": [("MONITOR", "12345", "/monitors/12345")],
    "cites monitor 123456": [("MONITOR", "123456", "/monitors/123456")],
    "cites nothing": [],
}


@pytest.fixture
def cited(api: Client, project: dict[str, Any]) -> dict[str, Case]:
    out = {}
    for title, insights in INSIGHTS.items():
        extra = {"status_name": "Closed"} if title.startswith("closed") else {}
        case = api.new_case(project["id"], title, **extra)
        if insights:
            add_insights(api, case["id"], *insights)
        out[title] = case
    return out


def test_insight_terms(api: Client, project: dict[str, Any], cited: dict[str, Case]) -> None:
    every_monitor = {
        "cites monitor 12345",
        "cites monitor 999 and incident 12345",
        "closed, cites monitor 12345",
        "cites monitor 123456",
    }
    assert found(api, project, "insight.type:MONITOR") == every_monitor
    assert found(api, project, "insight.type:monitor") == every_monitor
    assert found(api, project, "insight.type:MON*") == every_monitor
    assert found(api, project, "insight.type:INCIDENT") == {"cites monitor 999 and incident 12345"}
    assert found(api, project, "insight.resource_id:12345") == {
        "cites monitor 12345",
        "cites monitor 999 and incident 12345",
        "closed, cites monitor 12345",
    }
    assert found(api, project, "insight.resource_id:12345*") == {
        "cites monitor 12345",
        "cites monitor 999 and incident 12345",
        "closed, cites monitor 12345",
        "cites monitor 123456",
    }
    assert found(api, project, 'insight.ref:"/monitors/12345*"') == {
        "cites monitor 12345",
        "closed, cites monitor 12345",
        "cites monitor 123456",
    }
    assert found(api, project, "insight.ref:/monitors/12345") == {"closed, cites monitor 12345"}
    assert found(api, project, 'insight.ref:"/monitors/12345?q=1"') == {"cites monitor 12345"}
    assert found(api, project, "insight.ref:*/12345") == {
        "closed, cites monitor 12345",
        "cites monitor 999 and incident 12345",
    }
    assert found(api, project, "insight.type:*") == every_monitor
    assert found(api, project, "-insight.type:*") == {"cites nothing"}
    assert found(api, project, "-insight.type:MONITOR") == {"cites nothing"}


def test_insight_terms_describe_one_insight(
    api: Client, project: dict[str, Any], cited: dict[str, Case]
) -> None:
    # MONITOR 999 + INCIDENT 12345 is not "cites monitor 12345".
    assert found(api, project, "insight.type:MONITOR insight.resource_id:12345") == {
        "cites monitor 12345",
        "closed, cites monitor 12345",
    }
    assert found(api, project, "insight.resource_id:12345 AND insight.type:MONITOR") == {
        "cites monitor 12345",
        "closed, cites monitor 12345",
    }
    assert found(api, project, "insight.type:INCIDENT insight.resource_id:999") == set()
    assert found(api, project, "insight.type:MONITOR insight.resource_id:999") == {
        "cites monitor 999 and incident 12345"
    }
    assert found(
        api, project, 'insight.type:MONITOR insight.resource_id:12345 insight.ref:"*?q=1"'
    ) == {"cites monitor 12345"}
    # Which open cases cite monitor 12345?
    assert found(api, project, "status:open insight.type:MONITOR insight.resource_id:12345") == {
        "cites monitor 12345"
    }
    assert found(api, project, "insight.type:MONITOR status:open insight.resource_id:12345") == {
        "cites monitor 12345"
    }
    # OR is either insight; value lists are any of the values within the one insight.
    assert found(api, project, "insight.type:INCIDENT OR insight.resource_id:12345") == {
        "cites monitor 12345",
        "cites monitor 999 and incident 12345",
        "closed, cites monitor 12345",
    }
    assert found(api, project, "insight.type:(MONITOR OR INCIDENT) insight.resource_id:12345") == {
        "cites monitor 12345",
        "cites monitor 999 and incident 12345",
        "closed, cites monitor 12345",
    }
    # A negated term is not part of the group: "cites a monitor, and no insight of 12345".
    assert found(api, project, "insight.type:MONITOR -insight.resource_id:12345") == {
        "cites monitor 123456"
    }
    assert found(api, project, "insight.type:MONITOR AND NOT insight.type:INCIDENT") == {
        "cites monitor 12345",
        "closed, cites monitor 12345",
        "cites monitor 123456",
    }


def test_insight_removal_is_seen(
    api: Client, project: dict[str, Any], cited: dict[str, Case]
) -> None:
    case = cited["cites monitor 12345"]
    remove_insights(api, case["id"], ("MONITOR", "12345", "/monitors/12345?q=1"))
    assert found(api, project, "insight.type:MONITOR insight.resource_id:12345") == {
        "closed, cites monitor 12345"
    }
    add_insights(api, case["id"], ("INCIDENT", "12345", "/i/1"))
    assert found(api, project, "insight.type:INCIDENT insight.resource_id:12345") == {
        "cites monitor 12345",
        "cites monitor 999 and incident 12345",
    }


# --------------------------------------------------------------------------- edits


def test_edits_are_searched_at_once(api: Client, project: dict[str, Any]) -> None:
    kind = new_type(api, "Edits " + token("t"))
    k, c = attr_key("team"), attr_key("note")
    new_config(api, kind["id"], c, "TEXT")
    case = api.new_case(
        project["id"],
        "Original zebra",
        description="first giraffe",
        type_id=kind["id"],
        custom_attributes={c: custom("TEXT", "before")},
    )
    title = case["attributes"]["title"]
    assert found(api, project, "zebra") == {title}
    assert found(api, project, "giraffe") == {title}

    edit(api, case["id"], "title", title="Renamed walrus")
    assert found(api, project, "zebra") == set()
    assert found(api, project, "walrus") == {"Renamed walrus"}
    assert found(api, project, "giraffe") == {"Renamed walrus"}  # the description stays

    edit(api, case["id"], "description", description="now a penguin")
    assert found(api, project, "giraffe") == set()
    assert found(api, project, '"a penguin"') == {"Renamed walrus"}
    assert found(api, project, "walrus") == {"Renamed walrus"}

    edit(api, case["id"], "attributes", attributes={k: ["red"]})
    assert found(api, project, f"{k}:red") == {"Renamed walrus"}
    edit(api, case["id"], "attributes", attributes={k: ["blue"]})
    assert found(api, project, f"{k}:red") == set()
    assert found(api, project, f"{k}:blue") == {"Renamed walrus"}
    edit(api, case["id"], "attributes", attributes={})
    assert found(api, project, f"attributes.{k}:*") == set()

    assert found(api, project, f"{c}:before") == {"Renamed walrus"}
    r = api.post(
        f"/api/v2/cases/{case['id']}/custom_attributes/{c}",
        json={"data": {"type": "case", "attributes": custom("TEXT", "after")}},
    )
    assert r.status_code == 200, r.text
    assert found(api, project, f"{c}:before") == set()
    assert found(api, project, f"{c}:after") == {"Renamed walrus"}
    r = api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{c}")
    assert r.status_code == 200, r.text
    assert found(api, project, f"{c}:*") == set()

    edit(api, case["id"], "status", status_name="Closed")
    edit(api, case["id"], "priority", priority="P1")
    assert found(api, project, "status:closed priority:P1 walrus") == {"Renamed walrus"}
    assert found(api, project, "status:open") == set()


# --------------------------------------------------------------------------- tenancy


def test_other_organisations_never_match(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    word, resource = token("shared"), str(random.randrange(10**9, 10**10))
    k = attr_key("tenant")
    theirs_project = other_api.new_project(key=key_of(project))  # the same key, elsewhere
    pairs = []
    for client, where in ((api, project), (other_api, theirs_project)):
        case = client.new_case(where["id"], f"{word} case", description=f"{word} text")
        edit(client, case["id"], "attributes", attributes={k: [word]})
        add_insights(client, case["id"], ("MONITOR", resource, f"/monitors/{resource}"))
        pairs.append(case)
    mine, theirs = pairs
    assert mine["attributes"]["key"] == theirs["attributes"]["key"]
    terms = [
        word,
        f"{word}*",
        f'"{word} case"',
        f"attributes.{k}:{word}",
        f"{k}:{word}",
        f"{k}:*",
        f"insight.resource_id:{resource}",
        f"insight.type:MONITOR insight.resource_id:{resource}",
        f'insight.ref:"/monitors/{resource}*"',
        f"key:{mine['attributes']['key']}",
        f"project:{key_of(project)}",
    ]
    for client, own in ((api, mine), (other_api, theirs)):
        for text in terms:
            assert ids(search(client, text, **{"page[size]": 100})) == [own["id"]], text

    # Names only the other organisation has are unknown here.
    only_theirs = attr_key("theirs")
    lonely = other_api.new_case(theirs_project["id"], "lonely")
    edit(other_api, lonely["id"], "attributes", attributes={only_theirs: ["x"]})
    assert search(other_api, f"{only_theirs}:x")["meta"]["total_cases"] == 1
    assert query_error(api, f"{only_theirs}:x").startswith(AT.format(0) + "unknown field")
    assert search(api, f"attributes.{only_theirs}:x")["meta"]["total_cases"] == 0
    their_type = new_type(other_api, "Theirs " + token("t"))
    their_name = their_type["attributes"]["name"]
    assert "unknown case type" in query_error(api, f'type:"{their_name}"')
    assert "unknown case type" in query_error(api, f"type:{their_type['id']}")
    assert "unknown user" in query_error(api, "assignee:gina@globex.test")
    assert "unknown user" in query_error(api, "creator:gina@globex.test")
    assert "unknown project" in query_error(api, f"project:{theirs_project['id']}")


# --------------------------------------------------------------------------- sorting


def sorted_titles(api: Client, project: dict[str, Any], field: str, asc: bool) -> list[str]:
    body = search(api, key_filter(project), **{"sort[field]": field, "sort[asc]": str(asc).lower()})
    return [c["attributes"]["title"] for c in body["data"]]


def test_sort_by_created_at(api: Client, project: dict[str, Any]) -> None:
    first = api.new_case(project["id"], "a")
    api.new_case(project["id"], "b")
    api.new_case(project["id"], "c")
    edit(api, first["id"], "priority", priority="P1")  # a change does not move it
    assert sorted_titles(api, project, "created_at", True) == ["a", "b", "c"]
    assert sorted_titles(api, project, "created_at", False) == ["c", "b", "a"]


def test_sort_by_modified_at(api: Client, project: dict[str, Any]) -> None:
    cases = {t: api.new_case(project["id"], t) for t in ("a", "b", "c", "d")}
    edit(api, cases["b"]["id"], "priority", priority="P1")
    edit(api, cases["a"]["id"], "priority", priority="P1")
    # Unmodified cases sort by their creation: c, d, then b and a as modified.
    assert sorted_titles(api, project, "modified_at", True) == ["c", "d", "b", "a"]
    assert sorted_titles(api, project, "modified_at", False) == ["a", "b", "d", "c"]


def test_sort_by_priority_and_status_ties_by_creation(api: Client, project: dict[str, Any]) -> None:
    for title, priority, status in [
        ("p2 old", "P2", "Closed"),
        ("p1", "P1", "Open"),
        ("p2 new", "P2", "Open"),
        ("undefined", "NOT_DEFINED", "In Progress"),
        ("p5", "P5", "Closed"),
    ]:
        api.new_case(project["id"], title, priority=priority, status_name=status)
    # Priorities sort by their stored order, NOT_DEFINED first: ascending is NOT_DEFINED, P1…P5.
    assert sorted_titles(api, project, "priority", True) == [
        "undefined",
        "p1",
        "p2 old",
        "p2 new",
        "p5",
    ]
    assert sorted_titles(api, project, "priority", False) == [
        "p5",
        "p2 new",
        "p2 old",
        "p1",
        "undefined",
    ]
    assert sorted_titles(api, project, "status", True) == [
        "p1",
        "p2 new",
        "undefined",
        "p2 old",
        "p5",
    ]
    assert sorted_titles(api, project, "status", False) == [
        "p5",
        "p2 old",
        "undefined",
        "p2 new",
        "p1",
    ]


# --------------------------------------------------------------------------- pagination


def test_page_edges(api: Client, project: dict[str, Any]) -> None:
    cases = [api.new_case(project["id"], f"c{i}") for i in range(4)]
    f = key_filter(project)
    newest_first = [c["id"] for c in reversed(cases)]
    # page[size]=1: one case a page, pages counted.
    seen = []
    for number in range(1, 5):
        body = search(api, f, **{"page[size]": 1, "page[number]": number})
        assert body["meta"]["page"]["current"] == number
        assert body["meta"]["page"]["size"] == 1
        assert body["meta"]["page"]["total"] == 4
        assert ("next_cursor" in body["meta"]["page"]) is (number < 4)
        seen += ids(body)
    assert seen == newest_first
    # A page just filled by the last case has no next_cursor; pages beyond the end are empty.
    full = search(api, f, **{"page[size]": 2, "page[number]": 2})
    assert ids(full) == newest_first[2:]
    assert "next_cursor" not in full["meta"]["page"]
    for number in (3, 1000):
        beyond = search(api, f, **{"page[size]": 2, "page[number]": number})
        assert beyond["data"] == []
        assert beyond["meta"] == {
            "total_cases": 4,
            "page": {"current": number, "size": 0, "total": 2},
        }
    # page[size] bounds.
    for bad in ("0", "101", "-5"):
        r = get(api, f, **{"page[size]": bad})
        assert r.status_code == 400, r.text
        (error,) = r.json()["errors"]
        assert error["source"] == {"parameter": "page[size]"}
        assert error["status"] == "400"
    assert ids(search(api, f, **{"page[size]": 100})) == newest_first


def test_page_size_100(api: Client, project: dict[str, Any]) -> None:
    cases = [api.new_case(project["id"], f"c{i}") for i in range(101)]
    f = key_filter(project)
    first = search(api, f, **{"page[size]": 100, "sort[asc]": "true"})
    assert ids(first) == [c["id"] for c in cases[:100]]
    assert first["meta"]["total_cases"] == 101
    assert first["meta"]["page"]["total"] == 2
    cursor = first["meta"]["page"]["next_cursor"]
    second = search(api, f, **{"page[size]": 100, "sort[asc]": "true", "page[cursor]": cursor})
    assert ids(second) == [cases[100]["id"]]
    assert second["meta"]["page"] == {"current": 2, "size": 1, "total": 2}
    by_number = search(api, f, **{"page[size]": 100, "sort[asc]": "true", "page[number]": 2})
    assert ids(by_number) == ids(second)


def walk(api: Client, text: str, size: int, between: Any = None, **params: Any) -> list[str]:
    """Ids of every page of a cursor walk; `between(n)` runs after page n."""
    body = search(api, text, **{"page[size]": size, **params})
    seen = ids(body)
    n = 1
    while "next_cursor" in body["meta"]["page"]:
        assert len(body["data"]) == size
        if between is not None:
            between(n)
        body = search(
            api,
            text,
            **{"page[size]": size, "page[cursor]": body["meta"]["page"]["next_cursor"], **params},
        )
        n += 1
        assert body["meta"]["page"]["current"] == n
        seen += ids(body)
    return seen


def test_cursor_walk_without_changes(api: Client, project: dict[str, Any]) -> None:
    cases = [api.new_case(project["id"], f"c{i}", priority=f"P{1 + i % 3}") for i in range(7)]
    f = key_filter(project)
    for sort in ("created_at", "modified_at", "priority", "status"):
        for asc in ("true", "false"):
            params = {"sort[field]": sort, "sort[asc]": asc}
            expected = ids(search(api, f, **{"page[size]": 100, **params}))
            assert sorted(expected) == sorted(c["id"] for c in cases)
            for size in (1, 2, 3, 7):
                assert walk(api, f, size, **params) == expected, (sort, asc, size)


def test_cursor_walk_sees_every_case_once_while_cases_come_and_go(
    api: Client, project: dict[str, Any]
) -> None:
    """Newest first, 3 a page, over `archived:false`: after each page, two cases already seen
    and one not yet seen are archived (leaving the result: offsets shift by two) and a new case
    is made (it sorts before the cursor, so the walk does not reach it)."""
    cases = [api.new_case(project["id"], f"c{i}") for i in range(20)]
    f = f"{key_filter(project)} archived:false"
    seen_so_far: list[str] = []
    gone: set[str] = set()
    made: set[str] = set()

    def churn() -> None:
        visible = ids(search(api, f, **{"page[size]": 100}))
        done = [i for i in visible if i in seen_so_far]
        todo = [i for i in visible if i not in seen_so_far and i not in made]
        for victim in [*done[:2], *todo[-1:]]:
            archive(api, victim)
            gone.add(victim)
        made.add(api.new_case(project["id"], "new")["id"])

    body = search(api, f, **{"page[size]": 3})
    seen_so_far += ids(body)
    while "next_cursor" in body["meta"]["page"]:
        churn()
        cursor = body["meta"]["page"]["next_cursor"]
        body = search(api, f, **{"page[size]": 3, "page[cursor]": cursor})
        seen_so_far += ids(body)
    assert len(seen_so_far) == len(set(seen_so_far)), "a case came twice"
    # Every original case that stayed in the result was visited, newest first; the cases made
    # meanwhile sort before the cursor and were not.
    seen = set(seen_so_far)
    skipped = [c["attributes"]["title"] for c in cases if c["id"] not in gone | seen]
    assert skipped == []
    assert not made & seen
    assert seen_so_far == [c["id"] for c in reversed(cases) if c["id"] in seen]
    assert len(seen_so_far) > 12  # the walk went on past the offsets it would have stopped at


def test_cursor_walk_ascending_reaches_cases_made_meanwhile(
    api: Client, project: dict[str, Any]
) -> None:
    cases = [api.new_case(project["id"], f"c{i}") for i in range(5)]
    f = key_filter(project)
    made: list[str] = []

    def grow(n: int) -> None:
        if n <= 2:
            made.append(api.new_case(project["id"], f"new {n}")["id"])

    seen = walk(api, f, 2, grow, **{"sort[asc]": "true"})
    assert seen == [c["id"] for c in cases] + made


def test_cursor_belongs_to_its_filter_and_sort(api: Client, project: dict[str, Any]) -> None:
    for i in range(3):
        api.new_case(project["id"], f"c{i}")
    f = key_filter(project)
    cursor = search(api, f, **{"page[size]": 1})["meta"]["page"]["next_cursor"]
    assert len(ids(search(api, f, **{"page[size]": 1, "page[cursor]": cursor}))) == 1
    # Another page size is fine: the cursor names a row.
    assert len(ids(search(api, f, **{"page[size]": 5, "page[cursor]": cursor}))) == 2
    for params in (
        {"filter": f"{f} status:open"},
        {"filter": f"{f} archived:false"},
        {"sort[field]": "priority"},
        {"sort[asc]": "true"},
        {"page[cursor]": "garbage"},
        {"page[cursor]": cursor[:-3]},
        {"page[cursor]": "W10"},  # base64 of []
        {"page[cursor]": ""},
    ):
        query = {"filter": f, "page[size]": 1, "page[cursor]": cursor, **params}
        r = api.get("/api/v2/cases", params=query)
        if params == {"page[cursor]": ""}:
            assert r.status_code == 200, r.text  # an empty cursor is no cursor
            continue
        assert r.status_code == 400, (params, r.text)
        (error,) = r.json()["errors"]
        assert error["status"] == "400"
        assert error["source"] == {"parameter": "page[cursor]"}
        assert "cursor" in error["detail"]


def forge(cursor: str, **changes: Any) -> str:
    """The cursor with parts replaced (it is base64 of a JSON array [query, page, row])."""
    query, number, row = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    parts = {"query": query, "page": number, "row": row, **changes}
    raw = json.dumps([parts["query"], parts["page"], parts["row"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("sort", ["created_at", "priority"])
def test_altered_cursor_is_400_not_500(api: Client, project: dict[str, Any], sort: str) -> None:
    for i in range(3):
        api.new_case(project["id"], f"c{i}")
    params = {"filter": key_filter(project), "page[size]": 1, "sort[field]": sort}
    cursor = search(api, params.pop("filter"), **params)["meta"]["page"]["next_cursor"]
    _, _, row = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for changes in (
        {"row": row[:-1]},
        {"row": [*row, 1]},
        {"row": []},
        {"row": ["x"] * len(row)},
        {"row": [10**30, *row[1:]]},
        {"row": [*row[:-1], "not-a-uuid"]},
        {"row": [*row[:-1], 7]},
        {"page": 0},
        {"page": -5},
        {"page": 2**64},
        {"query": "x"},
    ):
        r = api.get(
            "/api/v2/cases",
            params={
                "filter": key_filter(project),
                **params,
                "page[cursor]": forge(cursor, **changes),
            },
        )
        assert r.status_code == 400, (changes, r.text)
        assert r.json()["errors"][0]["source"] == {"parameter": "page[cursor]"}
    # The untouched cursor still works.
    r = api.get(
        "/api/v2/cases", params={"filter": key_filter(project), **params, "page[cursor]": cursor}
    )
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["page"]["current"] == 2


def test_attribute_key_with_upper_case_letters(api: Client, project: dict[str, Any]) -> None:
    key = "Team" + token("x")[:6]
    case = api.new_case(project["id"], "upper")
    edit(api, case["id"], "attributes", attributes={key: ["red"]})
    assert found(api, project, f"attributes.{key}:red") == {"upper"}


def test_attribute_key_with_a_slash(api: Client, project: dict[str, Any]) -> None:
    key = attr_key("svc") + "/name"
    case = api.new_case(project["id"], "slashed")
    edit(api, case["id"], "attributes", attributes={key: ["api"]})
    assert found(api, project, f"attributes.{key}:api") == {"slashed"}
