"""The HTTP edge: one table of routes drives both the Falcon app and the OpenAPI document.

Each route names its handler, the scope it needs, its request body type (decoded and
validated by msgspec) and its response type. The generic responder below authenticates,
reads and validates the body, calls the handler, and encodes the reply; the handlers only
translate between wire structs and the domain.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import falcon
import falcon.asgi
import msgspec

from opencase.core.config import Settings
from opencase.core.db import Database, is_statement_timeout
from opencase.core.errors import DomainError
from opencase.http.errors import ApiError, from_domain, from_validation
from opencase.http.limits import JSON_DEPTH_MAX, QUERY_PARAM_MAX, too_deep
from opencase.identity.models import Principal
from opencase.identity.service import Authenticator
from opencase.ops import metrics
from opencase.ops.ratelimit import RateLimiter

log = logging.getLogger("opencase.http")

JSONAPI = "application/vnd.api+json"
_encoder = msgspec.json.Encoder()


class State:
    """What lives for the life of a server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db: Database = None  # type: ignore[assignment]  # opened at start-up
        self.auth: Authenticator = None  # type: ignore[assignment]
        self.limiter: RateLimiter | None = None  # None: nothing is rate limited


class Ctx:
    """One request as the handlers see it."""

    __slots__ = ("body", "db", "params", "principal", "query")

    def __init__(
        self,
        db: Database,
        principal: Principal,
        params: dict[str, str],
        query: dict[str, Any],
        body: Any,
    ) -> None:
        self.db = db
        self.principal = principal
        self.params = params
        self.query = query
        self.body = body


class Body(msgspec.Struct, frozen=True):
    """A reply that is not JSON:API (the metrics' exposition text)."""

    data: bytes
    content_type: str


Reply = tuple[int, Any]
Handler = Callable[[Ctx], Awaitable[Reply]]


class Param(msgspec.Struct, frozen=True):
    """A query parameter, for the OpenAPI document."""

    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


class Route(msgspec.Struct, frozen=True):
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    handler: Handler
    status: int
    scope: str | None = None  # None: a valid key pair is enough
    body: Any = None  # msgspec type of the request body, or None
    response: Any = None  # msgspec type of the response body, or None for an empty reply
    resource_type: str | None = None  # expected `data.type` of the body
    query: tuple[Param, ...] = ()
    auth: bool = True
    errors: tuple[int, ...] = ()  # error statuses beyond the usual ones, for the document
    # Rate-limit family (opencase.ops.ratelimit); None: cases_read for GET, else cases_write.
    rate_family: str | None = None


def uuid_param(name: str, value: str) -> str:
    """A path parameter that must be a UUID, in canonical form; else 400 as Datadog answers."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(
            400,
            [
                {
                    "status": "400",
                    "title": "Invalid Parameter",
                    "detail": f'invalid parameter "{name}" in "path"; expected type "uuid"',
                    "source": {"parameter": name},
                }
            ],
        ) from None


async def _authenticate(state: State, req: falcon.asgi.Request, scope: str | None) -> Principal:
    api_key = req.get_header("DD-API-KEY")
    app_key = req.get_header("DD-APPLICATION-KEY")
    if not api_key or not app_key:
        missing = "DD-API-KEY" if not api_key else "DD-APPLICATION-KEY"
        raise ApiError(
            401,
            [
                {
                    "status": "401",
                    "title": "Unauthorized",
                    "detail": f"missing {missing} header",
                    "source": {"header": missing},
                }
            ],
        )
    result = await state.auth.authenticate(api_key, app_key)
    if isinstance(result, str):
        raise ApiError.simple(403, result)
    if scope is not None and scope not in result.scopes:
        raise ApiError.simple(403, f"the application key lacks the {scope} scope")
    return result


async def read_body(req: falcon.asgi.Request, limit: int) -> bytes:
    if req.content_length is not None and req.content_length > limit:
        raise ApiError.simple(413, f"request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in req.stream:
        size += len(chunk)
        if size > limit:
            raise ApiError.simple(413, f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


_NUL = "a string must not contain the NUL character (\\u0000)"


def _nul_pointer(value: Any, pointer: str) -> str | None:
    """The pointer of the first string or member name holding a NUL, which PostgreSQL refuses."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for name, item in items:
        here = f"{pointer}/{str(name).replace('~', '~0').replace('/', '~1')}"
        if "\x00" in str(name):
            return here
        found = _nul_pointer(item, here)
        if found is not None:
            return found
    return None


def _decode(raw: bytes, route: Route) -> Any:
    if not raw.strip():
        raise ApiError.simple(400, "a JSON request body is required", pointer="")
    if too_deep(raw):
        raise ApiError.simple(
            400, f"JSON nests deeper than {JSON_DEPTH_MAX} levels of objects and arrays", pointer=""
        )
    try:
        body = msgspec.json.decode(raw, type=route.body)
    except msgspec.ValidationError as exc:
        raise from_validation(exc, route.resource_type) from None
    except msgspec.DecodeError as exc:
        raise ApiError.simple(400, f"malformed JSON: {exc}", pointer="") from None
    # A NUL can only arrive escaped; look closer only when the escape appears at all.
    if b"\\u0000" in raw:
        pointer = _nul_pointer(msgspec.json.decode(raw), "")
        if pointer is not None:
            raise ApiError.simple(400, _NUL, pointer=pointer)
    return body


def _check_params(params: Mapping[str, Any]) -> None:
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str):
                continue
            if "\x00" in v:
                raise ApiError.simple(400, _NUL, parameter=name)
            if len(v) > QUERY_PARAM_MAX:
                detail = f"{name} is longer than {QUERY_PARAM_MAX} characters"
                raise ApiError.simple(400, detail, parameter=name)


def _given(params: Mapping[str, Any]) -> dict[str, Any]:
    """The query parameters with a value: `name=` (as an emptied form field sends) is as if
    the parameter were left out, for every parameter alike (`allowEmptyValue` in the document)."""
    given: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, list):
            values = [v for v in value if v != ""]
            if values:
                given[name] = values if len(values) > 1 else values[0]
        elif value != "":
            given[name] = value
    return given


async def _rate_limit(
    state: State, family: str, principal: Principal, resp: falcon.asgi.Response
) -> None:
    """Count the request against its organisation's limit: headers on the reply, or 429."""
    assert state.limiter is not None
    decision = await state.limiter.check(principal.org_id, family)
    if decision is None:
        return
    headers = decision.headers()
    if not decision.admitted:
        metrics.rate_limited(decision.name)
        headers["Retry-After"] = str(decision.reset)
        detail = (
            f"more than {decision.limit} {decision.name} requests in {decision.period} s "
            f"for this organisation; the window resets in {decision.reset} s"
        )
        raise ApiError(429, ApiError.simple(429, detail).errors, headers=headers)
    for name, value in headers.items():
        resp.set_header(name, value)


def _responder(state: State, route: Route) -> Callable[..., Awaitable[None]]:
    limit = state.settings.max_body_bytes
    family = route.rate_family or ("cases_read" if route.method == "GET" else "cases_write")

    async def respond(
        _resource: object, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: str
    ) -> None:
        principal = await _authenticate(state, req, route.scope) if route.auth else None
        if principal is not None:
            req.context.org_id = principal.org_id
            if state.limiter is not None:
                await _rate_limit(state, family, principal, resp)
        _check_params(params)
        _check_params(req.params)
        body = _decode(await read_body(req, limit), route) if route.body is not None else None
        ctx = Ctx(state.db, principal, params, _given(req.params), body)  # type: ignore[arg-type]
        status, payload = await route.handler(ctx)
        resp.status = status
        if isinstance(payload, Body):
            resp.content_type = payload.content_type
            resp.data = payload.data
        elif payload is not None:
            resp.content_type = JSONAPI
            resp.data = payload if isinstance(payload, bytes) else _encoder.encode(payload)

    return respond


async def _on_api_error(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: ApiError, params: dict[str, Any]
) -> None:
    resp.status = ex.status
    resp.content_type = JSONAPI
    resp.data = _encoder.encode({"errors": ex.errors})
    for name, value in ex.headers.items():
        resp.set_header(name, value)


async def _on_domain_error(req: Any, resp: Any, ex: DomainError, params: Any) -> None:
    await _on_api_error(req, resp, from_domain(ex), params)


async def _on_http_error(req: Any, resp: Any, ex: falcon.HTTPError, params: Any) -> None:
    status = ex.status_code
    if status == 404:
        detail = f"no route for {req.method} {req.path}"
    elif status == 405:
        detail = f"{req.method} is not allowed on {req.path}"
    else:
        detail = ex.description or ex.title
    error = ApiError.simple(status, detail)
    error.headers = dict(ex.headers or {})
    await _on_api_error(req, resp, error, params)


async def _on_unexpected(req: Any, resp: Any, ex: Exception, params: Any) -> None:
    if is_statement_timeout(ex):
        log.warning("a statement ran past the timeout on %s %s", req.method, req.path)
        detail = (
            "a database statement ran longer than the server allows "
            "(OPENCASE_DB_STATEMENT_TIMEOUT_MS); its transaction was rolled back"
        )
        await _on_api_error(req, resp, ApiError.simple(503, detail), params)
        return
    log.exception("unhandled error on %s %s", req.method, req.path)
    await _on_api_error(
        req, resp, ApiError.simple(500, "internal error; see the server log"), params
    )


def build_app(
    state: State, routes: list[Route], middleware: list[Any]
) -> falcon.asgi.App[Any, Any]:
    """A Falcon ASGI app serving `routes`, with JSON:API errors for everything else."""
    app = falcon.asgi.App(middleware=middleware)
    app.add_error_handler(Exception, _on_unexpected)
    app.add_error_handler(falcon.HTTPError, _on_http_error)
    app.add_error_handler(DomainError, _on_domain_error)
    app.add_error_handler(ApiError, _on_api_error)
    by_path: dict[str, dict[str, Any]] = {}
    for route in routes:
        by_path.setdefault(route.path, {})[f"on_{route.method.lower()}"] = _responder(state, route)
    for path, responders in by_path.items():
        resource = type("Resource", (), responders)()
        app.add_route(path, resource)
    return app
