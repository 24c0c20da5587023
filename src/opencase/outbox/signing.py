"""The signature of every HTTP delivery.

`X-Opencase-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, as
Stripe and Slack sign theirs: the timestamp inside the signed text lets a receiver refuse
replays older than it accepts (`verify`'s `tolerance`).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Opencase-Signature"
DELIVERY_HEADER = "X-Opencase-Delivery"
EVENT_HEADER = "X-Opencase-Event"


def sign(secret: str, body: bytes, at: int) -> str:
    """The signature header's value for `body` sent at `at` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance: float = 300) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds of now."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        at = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, at), f"t={at},v1={parts.get('v1', '')}")
