"""The UI's plumbing: page routes on the Falcon app, sessions from cookies, CSRF, rendering."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import falcon
import falcon.asgi
import jinja2
import msgspec

from opencase.account.sessions import Session, session_of
from opencase.core.db import is_statement_timeout
from opencase.core.errors import DomainError
from opencase.http.errors import ApiError, from_domain
from opencase.http.routing import State, read_body
from opencase.identity.models import Principal
from opencase.ui import format as fmt

log = logging.getLogger("opencase.ui")

COOKIE = "opencase_session"
LOGIN_CSRF_COOKIE = "opencase_login_csrf"
FETCH_HEADER = "X-Opencase-Fetch"  # ui.js's requests: answered 204 / plain text, not pages
_HERE = Path(__file__).parent
_HEADERS = {
    # No inline script or style anywhere: user content cannot run even if escaping failed.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
templates.filters.update(fmt.FILTERS)
templates.globals.update(insight_href=fmt.insight_href, describe=fmt.describe)


class Html(msgspec.Struct, frozen=True):
    body: str
    status: int = 200
    detail: str = ""  # an error page's message, as ui.js shows it


class Redirect(msgspec.Struct, frozen=True):
    location: str


class Done(msgspec.Struct, frozen=True):
    """An action ui.js sent succeeded (204); a plain form post goes to `location`."""

    location: str


Reply = Html | Redirect | Done


class Page:
    """One request as a page handler sees it."""

    def __init__(
        self,
        state: State,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        session: Session | None,
        params: dict[str, str],
        form: dict[str, str],
    ) -> None:
        self.state = state
        self.db = state.db
        self.req = req
        self.resp = resp  # for cookies
        self.session = session
        self.params = params
        self.form = form

    @property
    def who(self) -> Principal:
        """The signed-in user, as the domain services take them."""
        assert self.session is not None
        return self.session.principal

    def arg(self, name: str, default: str = "") -> str:
        """A query-string parameter (the last one when repeated)."""
        value = self.req.params.get(name, default)
        return value[-1] if isinstance(value, list) else str(value)

    def field(self, name: str) -> str:
        return self.form.get(name, "")

    def render(self, template: str, status: int = 200, **values: Any) -> Html:
        values.setdefault("session", self.session)
        values.setdefault("nav", "")
        return Html(templates.get_template(template).render(**values), status)


PageHandler = Callable[[Page], Awaitable[Reply]]


class PageRoute(msgspec.Struct, frozen=True):
    method: str
    path: str
    handler: PageHandler
    signed_in: bool = True  # else the page is open (the sign-in page)
    csrf: str = "session"  # POST: "session" token, "login" (double-submit cookie) or "none"


def _same_site_path(value: str, default: str) -> str:
    """A local path to go back to (never another site: `//host` and `/\\host` are refused)."""
    if value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


def back_to(page: Page, default: str) -> str:
    """The form's `back` field when it names a page of this site, else `default`."""
    return _same_site_path(page.field("back"), default)


async def _form(req: falcon.asgi.Request, limit: int) -> dict[str, str]:
    if req.method != "POST":
        return {}
    raw = await read_body(req, limit)
    try:
        pairs = parse_qsl(raw.decode(), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise ApiError.simple(400, "the form could not be read") from None
    if any("\x00" in k or "\x00" in v for k, v in pairs):
        raise ApiError.simple(400, "a form field must not contain the NUL character")
    return dict(pairs)


def _csrf_ok(
    route: PageRoute, req: falcon.asgi.Request, session: Session | None, form: Any
) -> bool:
    sent = form.get("csrf_token") or req.get_header("X-CSRF-Token") or ""
    if route.csrf == "none":
        return True
    if route.csrf == "login":
        expected = req.get_cookie_values(LOGIN_CSRF_COOKIE) or [""]
        return bool(sent) and hmac.compare_digest(sent, expected[0])
    return session is not None and bool(sent) and hmac.compare_digest(sent, session.csrf_token)


def secure_cookies(state: State, req: falcon.asgi.Request) -> bool:
    """Whether cookies get `Secure` (OPENCASE_COOKIE_SECURE, or auto: the request's scheme)."""
    setting = state.settings.cookie_secure
    return setting == "on" or (setting == "auto" and req.scheme == "https")


def set_cookie(
    state: State,
    req: falcon.asgi.Request,
    resp: falcon.asgi.Response,
    name: str,
    value: str,
    max_age: int | None,
) -> None:
    resp.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=secure_cookies(state, req),
        http_only=True,
        same_site="Lax",
    )


def _error_page(session: Session | None, status: int, detail: str) -> Html:
    body = templates.get_template("error.html").render(
        session=session, nav="", status=status, detail=detail
    )
    return Html(body, status, detail)


def _responder(state: State, route: PageRoute) -> Callable[..., Awaitable[None]]:
    async def respond(
        _resource: object, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: str
    ) -> None:
        for name, value in _HEADERS.items():
            resp.set_header(name, value)
        fetch = req.get_header(FETCH_HEADER) is not None
        session: Session | None = None
        try:
            cookie = req.get_cookie_values(COOKIE)
            if cookie:
                session = await session_of(db=state.db, cookie=cookie[0])
            if session is not None:
                req.context.org_id = session.org_id
            if route.signed_in and session is None:
                if req.method == "GET":
                    target = quote(req.relative_uri, safe="/?=&")
                    reply: Reply = Redirect(f"/login?next={target}")
                else:
                    reply = _error_page(None, 401, "You are signed out. Sign in and try again.")
            else:
                form = await _form(req, state.settings.max_body_bytes)
                if req.method == "POST" and not _csrf_ok(route, req, session, form):
                    reply = _error_page(
                        session,
                        403,
                        "This form's security token is missing or out of date. Nothing was "
                        "changed; reload the page and try again.",
                    )
                else:
                    page = Page(state, req, resp, session, params, form)
                    reply = await route.handler(page)
        except DomainError as exc:
            error = from_domain(exc)
            detail = exc.detail[:1].upper() + exc.detail[1:]
            detail += "" if detail.endswith(".") else "."
            reply = _error_page(session, error.status, detail)
        except ApiError as exc:
            reply = _error_page(session, exc.status, exc.errors[0].get("detail", "error"))
        except Exception as exc:
            if is_statement_timeout(exc):
                reply = _error_page(session, 503, "The database took too long; try again.")
            else:
                log.exception("unhandled error on %s %s", req.method, req.path)
                reply = _error_page(session, 500, "Something went wrong; see the server log.")
        _send(resp, reply, fetch)

    return respond


def _send(resp: falcon.asgi.Response, reply: Reply, fetch: bool) -> None:
    if isinstance(reply, Done) and fetch:
        resp.status = 204
    elif isinstance(reply, Redirect | Done):
        resp.status = 303
        resp.location = reply.location
    elif fetch and reply.status >= 400:
        # ui.js shows the error's text beside the control that failed.
        resp.status = reply.status
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = reply.detail
    else:
        resp.status = reply.status
        resp.content_type = "text/html; charset=utf-8"
        resp.text = reply.body


def mount(app: falcon.asgi.App[Any, Any], state: State, routes: list[PageRoute]) -> None:
    """Serve the pages and `/static/` on the app."""
    by_path: dict[str, dict[str, Any]] = {}
    for route in routes:
        by_path.setdefault(route.path, {})[f"on_{route.method.lower()}"] = _responder(state, route)
    for path, responders in by_path.items():
        app.add_route(path, type("PageResource", (), responders)())
    app.add_static_route("/static", str(_HERE / "static"), fallback_filename=None)


def new_login_token() -> str:
    return secrets.token_urlsafe(24)
