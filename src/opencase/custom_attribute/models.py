"""Custom attribute configs (typed fields of a case type) and the limits on their values."""

from __future__ import annotations

import msgspec

TYPES = ("URL", "TEXT", "NUMBER", "SELECT")

KEY_MAX = 64
DISPLAY_NAME_MAX = 200
DESCRIPTION_MAX = 4_000
MAP_FROM_MAX = 200
OPTIONS_MAX = 500  # options of one SELECT attribute
OPTION_MAX = 200  # characters of one option
VALUES_MAX = 100  # values of one multi-valued attribute on a case
TEXT_MAX = 4_000
URL_MAX = 2_048
NUMBER_MAX = 2**53  # larger magnitudes lose precision in JSON clients


class Config(msgspec.Struct, frozen=True):
    id: str
    case_type_id: str
    key: str
    display_name: str
    description: str
    type: str  # one of TYPES
    is_multi: bool
    options: list[str]  # SELECT only: the values a case may take, in order
    map_from: str | None
    created_at: int
    modified_at: int | None
