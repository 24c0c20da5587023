"""The case list: /cases, with the search box, sorting, pages and the project's saved views."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from opencase.search.models import SORT_FIELDS
from opencase.search.models import Page as ResultPage
from opencase.search.service import search_cases
from opencase.ui.common import COUNT_CAP, bounded, read_filter, uuid_or_404
from opencase.ui.web import Done, Page, PageRoute, Reply
from opencase.view.models import NAME_MAX
from opencase.view.service import create_view, get_view, list_views

PAGE_SIZE = 50
PAGES_MAX = 2000  # offsets past 100,000 cases: narrow the query instead


async def case_list(page: Page) -> Reply:
    """GET /cases."""
    q, project_id, view = page.arg("q"), page.arg("project"), None
    if page.arg("view"):
        view_id = uuid_or_404(page.arg("view"), "view")
        view = await get_view(db=page.db, who=page.who, view_id=view_id)
        q, project_id = view.query, view.project_id
    sort = page.arg("sort", "created_at")
    sort = sort if sort in SORT_FIELDS else "created_at"
    ascending = page.arg("dir") == "asc"
    try:
        number = min(max(1, int(page.arg("page", "1"))), PAGES_MAX)
    except ValueError:
        number = 1
    chosen = await read_filter(page, q, project_id)
    results: ResultPage | None = None
    if chosen.problem is None:
        results = await search_cases(
            db=page.db,
            who=page.who,
            text=chosen.text,
            sort=sort,
            ascending=ascending,
            page_number=number,
            page_size=PAGE_SIZE,
            cursor=None,
            count_cap=COUNT_CAP,
        )
    views = []
    if chosen.project is not None:
        views = await list_views(db=page.db, who=page.who, project_id=chosen.project.id)
    base = {"q": q, "project": chosen.project.id if chosen.project else ""}

    def link(**changes: str | int) -> str:
        params = {**base, "sort": sort, "dir": "asc" if ascending else "desc", **changes}
        return "/cases?" + urlencode({k: v for k, v in params.items() if v != ""})

    def sort_link(field: str) -> str:
        # The first click sorts descending (newest, highest first); the next flips it.
        flip = "asc" if field == sort and not ascending else "desc"
        return link(sort=field, dir=flip, page=1)

    pages = math.ceil(results.total / PAGE_SIZE) if results else 0
    return page.render(
        "cases.html",
        cap=COUNT_CAP,
        nav="cases",
        chosen=chosen,
        problem=chosen.shown_problem,
        results=results,
        views=views,
        view=view,
        sort=sort,
        ascending=ascending,
        link=link,
        sort_link=sort_link,
        pages=min(pages, PAGES_MAX),
        number=number,
        base_url=page.state.settings.insight_base_url,
    )


async def save_view(page: Page) -> Reply:
    """POST /views: the list's query, saved as a view of its project."""
    view = await create_view(
        db=page.db,
        who=page.who,
        project_id=page.field("project"),
        name=bounded(page.field("name"), "A view's name", NAME_MAX),
        query=page.field("q"),
        np_rule_id=None,
    )
    return Done(f"/cases?view={view.id}")


ROUTES = [
    PageRoute("GET", "/cases", case_list),
    PageRoute("POST", "/views", save_view),
]
