"""Exchanges with PostgreSQL per request: the hot reads and writes are one or two statements
with no BEGIN or COMMIT of their own (case.sql, insight.sql, timeline.sql). Counted at the
driver: every statement asyncpg sends, and every BEGIN and COMMIT of a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from case_db import Engine, migrated_engine

from opencase.case import edits
from opencase.case import service as cases
from opencase.case.models import Insight
from opencase.case_type.builtin import BUILTIN_BY_ID
from opencase.identity import service as identity
from opencase.identity.models import DEFAULT_SCOPES, Principal
from opencase.insight import service as insights
from opencase.project import service as projects
from opencase.timeline import service as timeline

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine("postgresql", tmp_path) as engine:
        yield engine


class Counter:
    """Counts what asyncpg sends while `counting` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[str] = []
        self.counting = False
        for name in ("fetch", "fetchrow", "fetchval", "execute", "executemany"):
            self._wrap(monkeypatch, asyncpg.Connection, name)
        for name in ("start", "commit", "rollback"):
            self._wrap(monkeypatch, asyncpg.transaction.Transaction, name)

    def _wrap(self, monkeypatch: pytest.MonkeyPatch, cls: Any, name: str) -> None:
        original = getattr(cls, name)

        async def counted(obj: Any, *args: Any, **kw: Any) -> Any:
            if self.counting:
                self.sent.append(name if not args else f"{name} {str(args[0]).split()[:3]}")
            return await original(obj, *args, **kw)

        monkeypatch.setattr(cls, name, counted)

    def run(self, engine: Engine, coro: Any) -> tuple[Any, list[str]]:
        self.sent, self.counting = [], True
        try:
            result = engine.run(coro)
        finally:
            self.counting = False
        return result, self.sent


def test_hot_paths_are_one_or_two_exchanges(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    db = pg.db
    keys = pg.run(
        identity.create_keys(db=db, org_name="acme", user_email="a@acme.test", scopes=["x"])
    )
    who = Principal(keys.org_id, keys.user_id, frozenset(DEFAULT_SCOPES))
    project = pg.run(
        projects.create_project(db=db, who=who, key="OPS", name="Ops", enabled_custom_case_types=[])
    )
    counter = Counter(monkeypatch)
    type_id = next(iter(BUILTIN_BY_ID))

    view, sent = counter.run(
        pg,
        cases.create_case(
            db=db, who=who, project_id=project.id, title="t", type_id=type_id, description="",
            priority=0, status_name=None, assignee_id=None, custom_attributes={},
        ),
    )  # fmt: skip
    assert len(sent) == 1, sent
    case_id = view.case.id

    ten = [Insight("MONITOR", f"/monitors/{n}", str(n)) for n in range(10)]
    view, sent = counter.run(
        pg, insights.add_insights(db=db, who=who, case_ref=case_id, insights=ten)
    )
    assert (len(sent), len(view.insights)) == (1, 10), sent
    view, sent = counter.run(
        pg, insights.remove_insights(db=db, who=who, case_ref=case_id, insights=ten[:3])
    )
    assert (len(sent), len(view.insights)) == (1, 7), sent

    view, sent = counter.run(pg, cases.get_case(db=db, who=who, ref=view.case.key))
    assert (len(sent), len(view.insights)) == (1, 7), sent

    view, sent = counter.run(pg, edits.update_title(db=db, who=who, ref=case_id, title="new"))
    assert (len(sent), view.case.title, len(view.insights)) == (2, "new", 7), sent
    view, sent = counter.run(pg, edits.update_priority(db=db, who=who, ref=case_id, priority="P2"))
    assert (len(sent), view.case.priority) == (2, 2), sent

    got, sent = counter.run(
        pg, timeline.comment_case(db=db, who=who, case_ref=case_id, message="hello")
    )
    assert (len(sent), got.cells[0].details) == (1, {"message": "hello"}), sent
    view, _ = counter.run(pg, cases.get_case(db=db, who=who, ref=case_id))
    assert view.case.comment_count == 1
