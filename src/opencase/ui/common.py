"""What several pages share: the project filter and a query checked on its own."""

from __future__ import annotations

import uuid

import msgspec

from opencase.core.errors import InvalidInput, NotFound
from opencase.project.models import Project
from opencase.project.service import list_projects
from opencase.query import check_query
from opencase.query.errors import QueryError
from opencase.ui.web import Page

# The list counts matches up to this many ("10,000+"), each board column up to BOARD_CAP: an
# exact count of a broad query reads every match, a million index entries for `*`.
COUNT_CAP = 10_000
BOARD_CAP = 1_000


class QueryProblem(msgspec.Struct, frozen=True):
    """A query error as the search box shows it: the message and where it points."""

    message: str
    position: int | None
    query: str


class Filter(msgspec.Struct, frozen=True):
    """The search box and project filter of the list and the board."""

    q: str
    project: Project | None
    projects: list[Project]
    problem: QueryError | None

    @property
    def text(self) -> str:
        """The query the search runs: the box's, within the chosen project."""
        if self.project is None:
            return self.q
        scope = f"project:{self.project.id}"
        return f"{scope} ({self.q})" if self.q.strip() else scope

    @property
    def shown_problem(self) -> QueryProblem | None:
        if self.problem is None:
            return None
        return QueryProblem(self.problem.message, self.problem.position, self.q)


async def read_filter(page: Page, q: str, project_id: str) -> Filter:
    """The filter a page's parameters ask for; a bad query is kept as `problem`, not raised,
    and checked alone so its positions are the box's own."""
    projects = await list_projects(db=page.db, who=page.who)
    project = None
    if project_id:
        try:
            wanted = str(uuid.UUID(project_id))
        except ValueError:
            wanted = ""
        project = next((p for p in projects if p.id == wanted), None)
    problem = None
    if q.strip():
        try:
            async with page.db.snapshot() as conn:
                await check_query(conn, org_id=page.who.org_id, text=q)
        except QueryError as exc:
            problem = exc
    return Filter(q=q, project=project, projects=projects, problem=problem)


def uuid_or_404(value: str, what: str) -> str:
    """An id from a link or form: canonical, or 404 (a page that cannot exist)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(what) from None


def bounded(value: str, name: str, most: int) -> str:
    """A form field of at most `most` characters; else 400 saying so."""
    if len(value) > most:
        raise InvalidInput(f"{name} must be at most {most:,} characters")
    return value
