"""Limits every request meets at the edge, before any handler sees it.

Per-field string lengths and array sizes live in the request schemas (msgspec `Meta`), so the
decoder enforces them and the OpenAPI document states them; what is here applies to every
operation alike: how deep a JSON body may nest, and how long a path or query parameter may be.
"""

from __future__ import annotations

import re

# No request body of the API nests deeper than 7 levels; 32 leaves room for free-form values
# (custom attributes) while keeping every recursive walk of a body far from Python's limit.
JSON_DEPTH_MAX = 32
# What any parameter may hold at all: above each one's own limit, so each reports its own.
# Documented limits stay far lower: the HTTP server (uvicorn, httptools) refuses a request
# head over 64 KiB with its own plain-text 400 before the app sees it, and a character may
# take 12 bytes there (4 UTF-8 bytes, percent-encoded).
QUERY_PARAM_MAX = 8192

# Kept: brackets (of one kind, as depth does not care) and quotes, to tell strings apart.
_SKELETON = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')
_STRING = re.compile(rb'"[^"]*"')


def too_deep(raw: bytes, limit: int = JSON_DEPTH_MAX) -> bool:
    """Whether the JSON text `raw` nests objects and arrays more than `limit` levels deep.

    Runs before decoding, so no decoder recurses on a hostile body, and in C string
    operations (a 1,000-insight body costs ~0.3 ms): escaped backslashes and quotes go, then
    everything but brackets and quotes, then strings; each pass then removes the innermost
    pairs, one level per pass.
    """
    if raw.count(b"{") + raw.count(b"[") <= limit:
        return False
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Dropping two adjacent quotes keeps every bracket on its side of a string boundary
    # (it drops an empty string, or joins two strings), and most strings hold no bracket.
    skeleton = unescaped.translate(_SKELETON, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _STRING.sub(b"", skeleton)
    for _ in range(limit):
        shorter = skeleton.replace(b"[]", b"")
        if len(shorter) == len(skeleton):
            break
        skeleton = shorter
    # A pair still left sits deeper than `limit`; openers left unclosed (malformed JSON)
    # would still make a decoder descend, so they count as depth too.
    return b"[]" in skeleton or skeleton.count(b"[") > limit
