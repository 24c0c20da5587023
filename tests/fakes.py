"""Local fakes of the outside systems the outbox delivers to: one HTTP server in the test
process that plays webhooks, workflows, agents, Slack, PagerDuty, Teams, Jira and ServiceNow
(by path), and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from conftest import free_port

# What the fake answers on a path: (status, JSON body or None).
Answer = tuple[int, Any]


def _default(path: str) -> Answer:
    if "/always-fails" in path:
        return 500, None
    if path.endswith("/chat.postMessage"):
        return 200, {"ok": True, "ts": "1.2"}
    if path.endswith("/v2/enqueue"):
        return 202, {"status": "success", "dedup_key": "x"}
    if path.endswith("/rest/api/3/issue"):
        return 201, {
            "id": "10001",
            "key": "OPS-7",
            "self": "https://jira.example/rest/api/3/issue/10001",
        }
    if path.endswith("/api/now/table/incident"):
        return 201, {"result": {"sys_id": "5f1e2d", "number": "INC0010001"}}
    return 204, None


class Request:
    def __init__(self, path: str, headers: dict[str, str], body: bytes) -> None:
        self.path, self.headers, self.body = path, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


class FakeHttp:
    """Records every POST; answers by path (see _default), `fail_first[path]` times 500 first."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.fail_first: dict[str, int] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake.lock:
                    fake.requests.append(Request(self.path, dict(self.headers), body))
                    seen = sum(1 for r in fake.requests if r.path == self.path)
                    failing = seen <= fake.fail_first.get(self.path, 0)
                status, answer = (500, None) if failing else _default(self.path)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.server.shutdown()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class FakeSmtp:
    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[Message]:
        return self.inbox.messages

    def close(self) -> None:
        self.controller.stop()


def wait_for(what: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll until `what()` is truthy; its value (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)
