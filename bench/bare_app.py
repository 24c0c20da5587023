"""The ceiling: a raw ASGI app (no framework) under uvicorn with opencase's flags.

GET answers a fixed ~2 KB JSON body (GET /big: ~120 KB, about a case with 1,000 insights);
PUT/POST read the whole request body, then answer a small JSON. Anything opencase does on top
of this (routing, auth, validation, SQL, encoding) shows as the distance to these numbers.

    python bench/bare_app.py --port 8099
"""

from __future__ import annotations

import argparse
import json

# ~2 KB of JSON, shaped like a case resource.
_BODY = json.dumps(
    {
        "data": {
            "id": "0b0e7d84-2d5b-4c43-9d0a-1f5f6c3f3a11",
            "type": "case",
            "attributes": {
                "title": "Suspicious login from a new country " + "x" * 40,
                "key": "BENCH-1",
                "description": "d" * 860,
                "priority": "P2",
                "status": "OPEN",
                "status_name": "Open",
                "status_group": "SG_OPEN",
                "type": "STANDARD",
                "type_id": "00000000-0000-0000-0000-000000000001",
                "attributes": {},
                "custom_attributes": {},
                "insights": [
                    {"type": "MONITOR", "ref": f"/monitors/{n}", "resource_id": str(n)}
                    for n in range(8)
                ],
                "comment_count": 0,
                "creation_source": "MANUAL",
                "internal_id": "0b0e7d84-2d5b-4c43-9d0a-1f5f6c3f3a11",
                "merge_status": "NOT_MERGED",
                "public_id": "1",
                "created_at": "2026-11-28T12:00:00.123456Z",
            },
        },
        "included": [],
    }
).encode()
# ~100 KB, the size of a case holding 1,000 insights (GET /big).
_BIG = json.dumps(
    {
        "insights": [
            {"type": "MONITOR", "ref": f"/monitors/{n}?from=bench", "resource_id": f"big-{n}"}
            for n in range(1000)
        ],
        "pad": "p" * 40_000,
    }
).encode()
_SMALL = b'{"status":"ok"}'
_HEADERS = [(b"content-type", b"application/vnd.api+json")]


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [*_HEADERS, (b"content-length", str(len(body)).encode())]


_GET_HEADERS = _headers(_BODY)
_SMALL_HEADERS = _headers(_SMALL)
_BIG_HEADERS = _headers(_BIG)


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["method"] in ("PUT", "POST", "PATCH"):
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if not body:
            await send({"type": "http.response.start", "status": 400, "headers": _SMALL_HEADERS})
            await send({"type": "http.response.body", "body": _SMALL})
            return
        status, headers, out = 200, _SMALL_HEADERS, _SMALL
    elif scope["path"] == "/big":
        status, headers, out = 200, _BIG_HEADERS, _BIG
    else:
        status, headers, out = 200, _GET_HEADERS, _BODY
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": out})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8099)
    args = p.parse_args()
    import uvicorn

    # The same flags as `opencase serve` (src/opencase/cli.py).
    uvicorn.run(
        "bare_app:app",
        app_dir=__import__("os").path.dirname(__file__),
        host=args.host,
        port=args.port,
        workers=1,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="info",
        server_header=False,
    )


if __name__ == "__main__":
    main()
