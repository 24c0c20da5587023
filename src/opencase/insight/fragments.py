"""The encoded `insights` array of big cases, kept per version of the case.

A GET of a case with 1,000 insights would otherwise read 1,000 rows and build and encode
1,000 objects every time. Every change to a case's insights also changes the case and moves
its `modified_at` forward in the same transaction, so `(case id, Case.version)` read with the
case row names exactly one set of insights, in every process: a fragment kept for that version
is never stale, and a newer version replaces it. One version per case, least recently used out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import msgspec

from opencase.case.models import Case, CaseView

MIN_INSIGHTS = 50  # smaller cases are cheap to read and encode
MAX_CASES = 256  # ~100 bytes an insight: ~25 MiB at 1,000 insights each

_encoder = msgspec.json.Encoder()


class Kept(NamedTuple):
    case_id: str
    version: int
    key: str
    insights: msgspec.Raw


_kept: OrderedDict[str, Kept] = OrderedDict()  # by case id
_ids: dict[str, str] = {}  # case key -> case id, for the kept cases


def kept_for(ref: str) -> Kept | None:
    """What is kept for the case a `case_id` path value names (UUID or current key), if any:
    a hint, to be confirmed against the case as read (its id and version)."""
    case_id = _ids.get(ref.upper(), ref.lower())
    kept = _kept.get(case_id)
    if kept is not None:
        _kept.move_to_end(case_id)
    return kept


def snapshot() -> dict[str, Kept]:
    """Every kept fragment by case id, as of now (later changes to the cache leave it be)."""
    return dict(_kept)


def fresh(held: dict[str, Kept], case: Case) -> msgspec.Raw | None:
    """The fragment `held` (a snapshot) has for this version of the case, if any."""
    kept = held.get(case.id)
    return kept.insights if kept is not None and kept.version == case.version else None


def keep(view: CaseView, wire: Callable[[CaseView], object]) -> msgspec.Raw | None:
    """For a big case, its insights as `wire` gives them, encoded once and kept."""
    case = view.case
    if case.insight_count < MIN_INSIGHTS:
        return None
    fragment = msgspec.Raw(_encoder.encode(wire(view)))
    old = _kept.pop(case.id, None)
    if old is not None:
        _ids.pop(old.key, None)
    _kept[case.id] = Kept(case.id, case.version, case.key, fragment)
    _ids[case.key] = case.id
    if len(_kept) > MAX_CASES:
        _, evicted = _kept.popitem(last=False)
        _ids.pop(evicted.key, None)
    return fragment
