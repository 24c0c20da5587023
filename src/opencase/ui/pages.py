"""Every page of the UI, mounted on the app by `opencase.app`."""

from __future__ import annotations

from opencase.ui import board, case_page, cases, login, settings
from opencase.ui.web import PageRoute

ROUTES: list[PageRoute] = [
    *login.ROUTES,
    *cases.ROUTES,
    *board.ROUTES,
    *case_page.ROUTES,
    *settings.ROUTES,
]
