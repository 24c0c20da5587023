"""The encoded `insights` array of big cases, kept per version of the case.

A GET of a case with 1,000 insights would otherwise read 1,000 rows and build and encode
1,000 objects every time. Every change to a case's insights moves its `modified_at` forward
in the same transaction (insight/sql.py TOUCH_CASE), so `(case id, modified_at)` read with the
case row names exactly one set of insights, in every process: a fragment kept under that key
is never stale, and a new version is simply another key. Least recently used first out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import msgspec

from opencase.case.models import Case, CaseView

MIN_INSIGHTS = 50  # smaller cases are cheap to read and encode
MAX_CASES = 256  # ~100 bytes an insight: ~25 MiB at 1,000 insights each

_encoder = msgspec.json.Encoder()
_kept: OrderedDict[tuple[str, int], msgspec.Raw] = OrderedDict()


def _key(case: Case) -> tuple[str, int]:
    return (case.id, case.modified_at or case.created_at)


def find(case: Case) -> msgspec.Raw | None:
    """The kept fragment for this version of the case, if any."""
    if case.insight_count < MIN_INSIGHTS:
        return None
    key = _key(case)
    fragment = _kept.get(key)
    if fragment is not None:
        _kept.move_to_end(key)
    return fragment


def keep(view: CaseView, wire: Callable[[CaseView], object]) -> msgspec.Raw | None:
    """For a big case, its insights as `wire` gives them, encoded once and kept."""
    if view.case.insight_count < MIN_INSIGHTS:
        return None
    fragment = msgspec.Raw(_encoder.encode(wire(view)))
    _kept[_key(view.case)] = fragment
    if len(_kept) > MAX_CASES:
        _kept.popitem(last=False)
    return fragment
