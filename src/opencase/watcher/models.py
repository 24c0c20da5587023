"""Watchers: users of the organisation who follow a case."""

from __future__ import annotations

import msgspec

from opencase.identity.models import User


class Watcher(msgspec.Struct, frozen=True):
    user: User
    created_at: int  # when the user started watching
