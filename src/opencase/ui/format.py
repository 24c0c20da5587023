"""How values look on the pages: ages, times, priorities, Markdown, insight links."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from opencase.case.models import PRIORITIES
from opencase.core.clock import rfc3339

# CommonMark with raw HTML off: `<script>` in a description is shown as text. markdown-it's
# link check already refuses javascript:, vbscript:, file: and non-image data: URLs.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def markdown(text: str) -> Markup:
    """User-written Markdown as safe HTML."""
    return Markup(_markdown.render(text))


def age(us: int | None, now: float | None = None) -> str:
    """How long ago, shortly: 45s, 12m, 5h, 3d, 7w, 2y."""
    if us is None:
        return ""
    seconds = max(0, int((now or time.time()) - us / 1_000_000))
    for unit, size in (("y", 31_536_000), ("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(us: int | None) -> str:
    """An RFC 3339 time, for `<time datetime>` and titles."""
    return "" if us is None else rfc3339(us)


def priority(value: int) -> str:
    return PRIORITIES[value] if 0 <= value < len(PRIORITIES) else str(value)


def insight_href(ref: str, base_url: str) -> str | None:
    """Where an insight's ref points: a path on the Datadog host, an http(s) URL, or nowhere
    (anything else, say `javascript:`, is shown as text only)."""
    if ref.startswith("/") and not ref.startswith("//"):
        return base_url.rstrip("/") + ref
    if ref.startswith(("https://", "http://")):
        return ref
    return None


def humanize(action: str) -> str:
    """`case.status_updated` -> `status updated`."""
    return action.removeprefix("case.").replace("_", " ").replace(".", " ")


FILTERS: dict[str, Callable[..., Any]] = {
    "markdown": markdown,
    "age": age,
    "when": when,
    "priority": priority,
    "humanize": humanize,
}


def _shown(key: str, value: Any, emails: dict[str, str]) -> str:
    if value is None or value == "":
        return "none"
    if key.endswith("_id") and isinstance(value, str) and value in emails:
        return emails[value]
    if key == "priority" and isinstance(value, int):
        return priority(value)
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def describe(details: dict[str, Any], emails: dict[str, str]) -> list[str]:
    """An event's details as short lines: `status: Open → Closed`, `assignee: a@b.c`."""
    lines = []
    for key, value in details.items():
        if key in {"message", "previous_message", "cell_id", "description"}:
            continue
        if key == "status" and "status_name" in details:
            continue  # the group number behind the name
        name = key.removesuffix("_id").replace("_", " ")
        if isinstance(value, dict) and ("from" in value or "to" in value):
            lines.append(
                f"{name}: {_shown(key, value.get('from'), emails)} → "
                f"{_shown(key, value.get('to'), emails)}"
            )
        elif isinstance(value, str | int | float | bool) or value is None:
            lines.append(f"{name}: {_shown(key, value, emails)}")
    return lines
