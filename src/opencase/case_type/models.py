"""Case types as the domain sees them: the built-in ones and each organisation's own."""

from __future__ import annotations

import msgspec

NAME_MAX = 200
DESCRIPTION_MAX = 4_000
EMOJI_MAX = 32


class CaseType(msgspec.Struct, frozen=True):
    id: str
    name: str
    description: str
    emoji: str
    internal: bool  # built in: every organisation has it, nobody can change it
    deleted_at: int | None = None
