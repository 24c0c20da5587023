"""The board: /board, one column per status; moving a card changes the case's status."""

from __future__ import annotations

from opencase.case.edits import update_status
from opencase.case_type.builtin import DEFAULT_STATUSES, LEGACY_STATUS
from opencase.search.service import search_cases
from opencase.ui.common import BOARD_CAP, read_filter
from opencase.ui.web import Done, Page, PageRoute, Reply, back_to

CARDS_PER_COLUMN = 50  # the most recently created; the column's count says how many in all


async def board(page: Page) -> Reply:
    """GET /board."""
    chosen = await read_filter(page, page.arg("q"), page.arg("project"))
    columns = []
    if chosen.problem is None:
        for status in DEFAULT_STATUSES:
            scope = f"status:{LEGACY_STATUS[status.group].lower()}"
            text = f"{scope} ({chosen.text})" if chosen.text.strip() else scope
            results = await search_cases(
                db=page.db,
                who=page.who,
                text=text,
                sort="created_at",
                ascending=False,
                page_number=1,
                page_size=CARDS_PER_COLUMN,
                cursor=None,
                count_cap=BOARD_CAP,
            )
            columns.append((status, results))
    return page.render(
        "board.html",
        cap=BOARD_CAP,
        nav="board",
        chosen=chosen,
        problem=chosen.shown_problem,
        columns=columns,
        statuses=DEFAULT_STATUSES,
        here=page.req.relative_uri,
    )


async def move(page: Page) -> Reply:
    """POST /board/move: a card to another column (the case's status, as the API sets it)."""
    await update_status(
        db=page.db,
        who=page.who,
        ref=page.field("case"),
        status_name=page.field("status"),
        status=None,
    )
    return Done(back_to(page, "/board"))


ROUTES = [
    PageRoute("GET", "/board", board),
    PageRoute("POST", "/board/move", move),
]
