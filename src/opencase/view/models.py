"""Case views: saved case queries, each in one project of the organisation."""

from __future__ import annotations

import msgspec

NAME_MAX = 200
QUERY_MAX = 4_096  # as the query language's own limit
NP_RULE_ID_MAX = 256


class SavedView(msgspec.Struct, frozen=True):
    id: str
    project_id: str
    name: str
    query: str  # case query language text, checked by opencase.query when saved
    np_rule_id: str | None  # a notification rule's id, stored as given
    created_at: int
    created_by: str
    modified_at: int | None
    modified_by: str | None
