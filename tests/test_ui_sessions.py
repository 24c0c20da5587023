"""Sign-in and sessions of the web UI over plain HTTP: slowing down guessers, expiry,
revocation, cookie flags, redirects that stay on the site. (The browser tests: test_ui.py.)"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import Server, dispose_server, make_server
from hypothesis import given
from hypothesis import strategies as st

from opencase.account.sessions import FREE_FAILURES, THROTTLE_MAX_SECONDS, wait_seconds

PASSWORD = "correct horse battery staple"


def new_user(server: Server, org: str = "acme") -> str:
    email = f"web-{uuid.uuid4().hex[:8]}@{org}.test"
    server.cli(
        "users", "create", "--org", org, "--email", email, "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    return email


def login_form(server: Server, session: requests.Session) -> str:
    r = session.get(server.base_url + "/login", timeout=10)
    assert r.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert match
    return match.group(1)


def attempt(
    server: Server, email: str, password: str, next_: str = ""
) -> tuple[requests.Response, requests.Session]:
    session = requests.Session()
    token = login_form(server, session)
    form = {"csrf_token": token, "email": email, "password": password, "next": next_}
    # The token's cookie goes along by hand: requests keeps a Secure cookie off plain HTTP.
    r = session.post(
        server.base_url + "/login",
        data=form,
        cookies={"opencase_login_csrf": token},
        allow_redirects=False,
        timeout=30,
    )
    return r, session


@pytest.fixture(scope="module")
def email(server: Server, api: object) -> str:
    return new_user(server)


def test_a_good_sign_in_sets_the_session_cookie(server: Server, email: str) -> None:
    r, session = attempt(server, email, PASSWORD)
    assert r.status_code == 303 and r.headers["Location"] == "/cases"
    cookie = r.headers["Set-Cookie"]
    assert "opencase_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP, OPENCASE_COOKIE_SECURE=auto
    page = session.get(server.base_url + "/cases", timeout=10)
    assert page.status_code == 200 and email in page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_the_email_is_matched_whatever_its_case(server: Server, email: str) -> None:
    r, _ = attempt(server, email.upper(), PASSWORD)
    assert r.status_code == 303


def test_pages_without_a_session_go_to_the_sign_in_page(server: Server) -> None:
    for path in ("/", "/cases?q=status:open", "/board", "/projects", "/cases/ABC-1"):
        r = requests.get(server.base_url + path, allow_redirects=False, timeout=10)
        assert r.status_code == 303 and r.headers["Location"].startswith("/login?next="), path
    r = requests.get(server.base_url + "/cases?q=a", allow_redirects=False, timeout=10)
    assert r.headers["Location"] == "/login?next=/cases?q=a"
    r = requests.post(server.base_url + "/cases/ABC-1/comment", data={"message": "x"}, timeout=10)
    assert r.status_code == 401


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    server: Server, email: str
) -> None:
    wrong, _ = attempt(server, email, "not the password")
    unknown, _ = attempt(server, f"nobody-{uuid.uuid4().hex[:6]}@acme.test", "not the password")
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert "Wrong email or password." in r.text
        assert "opencase_session" not in r.headers.get("Set-Cookie", "")


def test_after_sign_in_the_next_page_stays_on_this_site(server: Server, email: str) -> None:
    for target, expected in [
        ("/board?project=x", "/board?project=x"),
        ("//evil.test/x", "/cases"),
        ("/\\evil.test", "/cases"),
        ("https://evil.test/", "/cases"),
        ("/login", "/cases"),
    ]:
        r, _ = attempt(server, email, PASSWORD, next_=target)
        assert r.headers["Location"] == expected, target


def test_repeated_failures_are_slowed_down_for_any_email(server: Server) -> None:
    real = new_user(server)
    made_up = f"nobody-{uuid.uuid4().hex[:6]}@acme.test"
    for email in (real, made_up):
        for _ in range(FREE_FAILURES):
            r, _ = attempt(server, email, "not the password")
            assert r.status_code == 401
        # Now even the right password waits: the answer does not say whether it was right.
        r, _ = attempt(server, email, PASSWORD)
        assert r.status_code == 429
        assert re.search(r"Too many failed sign-ins for this email\. Try again in 1 s\.", r.text)
    time.sleep(1.1)  # 2**(5-5) s after the last failure
    r, _ = attempt(server, real, PASSWORD)
    assert r.status_code == 303
    # A good sign-in clears the count: one more failure is not slowed down.
    r, _ = attempt(server, real, "not the password")
    assert r.status_code == 401


@given(
    failures=st.integers(0, 60),
    last=st.integers(0, 10**15),
    elapsed=st.integers(0, 10**10),
)
def test_wait_grows_with_failures_and_is_bounded(failures: int, last: int, elapsed: int) -> None:
    wait = wait_seconds(failures, last, last + elapsed)
    assert 0 <= wait <= THROTTLE_MAX_SECONDS
    if failures < FREE_FAILURES:
        assert wait == 0
    else:
        delay = min(2 ** (failures - FREE_FAILURES), THROTTLE_MAX_SECONDS)
        assert (wait == 0) == (elapsed >= delay * 1_000_000)
        assert wait_seconds(failures + 1, last, last + elapsed) >= wait


def test_set_password_ends_the_users_sessions(server: Server) -> None:
    email = new_user(server)
    r, session = attempt(server, email, PASSWORD)
    assert r.status_code == 303
    server.cli(
        "users", "set-password", "--org", "acme", "--email", email, "--password-stdin",
        input="a brand new password\n",
    )  # fmt: skip
    r = session.get(server.base_url + "/cases", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    assert attempt(server, email, PASSWORD)[0].status_code == 401
    assert attempt(server, email, "a brand new password")[0].status_code == 303


def test_a_forged_or_altered_cookie_opens_nothing(server: Server, email: str) -> None:
    r, session = attempt(server, email, PASSWORD)
    value = session.cookies["opencase_session"]
    org, sid, secret = value.split(".")
    for forged in (
        f"{org}.{sid}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",
        f"{org}.{uuid.uuid4()}.{secret}",
        f"{uuid.uuid4()}.{sid}.{secret}",
        "garbage",
        "",
    ):
        r = requests.get(
            server.base_url + "/cases",
            cookies={"opencase_session": forged},
            allow_redirects=False,
            timeout=10,
        )
        assert r.status_code == 303, forged


def test_a_user_with_the_email_in_two_organisations_picks_one(server: Server) -> None:
    """An email in several organisations signs in to the first by name whose password matches;
    the form's optional `org` field names one."""
    name = f"web-{uuid.uuid4().hex[:8]}@shared.test"
    for org in ("zeta-corp", "alpha-corp"):
        server.create_keys(org, f"admin@{org}.test")
        server.cli(
            "users", "create", "--org", org, "--email", name, "--password-stdin",
            input=PASSWORD + "\n",
        )  # fmt: skip
    _, session = attempt(server, name, PASSWORD)
    page = session.get(server.base_url + "/cases", timeout=10)
    assert 'title="alpha-corp"' in page.text
    session = requests.Session()
    token = login_form(server, session)
    form = {"csrf_token": token, "email": name, "password": PASSWORD, "org": "zeta-corp"}
    session.post(server.base_url + "/login", data=form, timeout=30)
    assert 'title="zeta-corp"' in session.get(server.base_url + "/cases", timeout=10).text


@pytest.fixture
def short_sessions(tmp_path: Path) -> Iterator[Server]:
    srv = make_server(
        "sqlite", tmp_path, OPENCASE_SESSION_HOURS="0.0003", OPENCASE_COOKIE_SECURE="on"
    )
    srv.start()
    yield srv
    dispose_server(srv)


def test_sessions_expire_and_cookies_can_be_forced_secure(short_sessions: Server) -> None:
    server = short_sessions
    server.create_keys("acme", "alice@acme.test")
    email = new_user(server)
    r, session = attempt(server, email, PASSWORD)
    assert r.status_code == 303
    assert "Secure" in r.headers["Set-Cookie"]
    assert "Max-Age=1;" in r.headers["Set-Cookie"]  # 0.0003 h, as whole seconds
    cookie = session.cookies["opencase_session"]
    r = requests.get(server.base_url + "/cases", cookies={"opencase_session": cookie}, timeout=10)
    assert r.status_code == 200
    time.sleep(1.2)  # 0.0003 h = 1.08 s
    r = requests.get(
        server.base_url + "/cases",
        cookies={"opencase_session": cookie},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303


def test_a_bad_cookie_setting_stops_the_server(tmp_path: Path) -> None:
    srv = make_server("sqlite", tmp_path, OPENCASE_COOKIE_SECURE="maybe")
    r = srv.cli("serve", "--port", str(srv.port), check=False)
    assert r.returncode == 2
    assert "OPENCASE_COOKIE_SECURE must be auto, on or off" in r.stderr
