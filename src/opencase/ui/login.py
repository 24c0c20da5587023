"""Signing in and out: /login and /logout."""

from __future__ import annotations

from opencase.account.sessions import Throttled, sign_in, sign_out
from opencase.ui.web import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    Html,
    Page,
    PageRoute,
    Redirect,
    Reply,
    new_login_token,
    set_cookie,
)

WRONG = "Wrong email or password."


def _next(page: Page) -> str:
    target = page.field("next") or page.arg("next")
    ok = target.startswith("/") and not target.startswith(("//", "/\\", "/login"))
    return target if ok else "/cases"


def _form(page: Page, *, status: int = 200, error: str = "", email: str = "") -> Html:
    """The sign-in form, with a fresh double-submit token (no session holds one yet)."""
    token = new_login_token()
    set_cookie(page.state, page.req, page.resp, LOGIN_CSRF_COOKIE, token, 3600)
    return page.render("login.html", status, csrf=token, error=error, email=email, next=_next(page))


async def show(page: Page) -> Reply:
    """GET /login."""
    if page.session is not None:
        return Redirect(_next(page))
    return _form(page)


async def submit(page: Page) -> Reply:
    """POST /login."""
    email, password = page.field("email"), page.field("password")
    if not email.strip() or not password:
        return _form(page, status=400, error="Enter your email and password.", email=email)
    try:
        signed_in = await sign_in(
            db=page.db,
            email=email,
            password=password,
            org_name=page.field("org") or None,
            hours=page.state.settings.session_hours,
        )
    except Throttled as exc:
        error = f"Too many failed sign-ins for this email. Try again in {exc.seconds} s."
        return _form(page, status=429, error=error, email=email)
    if signed_in is None:
        return _form(page, status=401, error=WRONG, email=email)
    max_age = int(page.state.settings.session_hours * 3600)
    set_cookie(page.state, page.req, page.resp, COOKIE, signed_in.cookie, max_age)
    page.resp.unset_cookie(LOGIN_CSRF_COOKIE, path="/")
    return Redirect(_next(page))


async def logout(page: Page) -> Reply:
    """POST /logout: the session ends on the server, and the cookie is dropped."""
    assert page.session is not None
    await sign_out(db=page.db, session=page.session)
    page.resp.unset_cookie(COOKIE, path="/")
    return Redirect("/login")


async def home(page: Page) -> Reply:
    return Redirect("/cases")


ROUTES = [
    PageRoute("GET", "/", home),
    PageRoute("GET", "/login", show, signed_in=False),
    PageRoute("POST", "/login", submit, signed_in=False, csrf="login"),
    PageRoute("POST", "/logout", logout),
]
