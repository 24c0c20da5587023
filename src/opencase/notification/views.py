"""HTTP handlers (to be written)."""

from __future__ import annotations

from opencase.http.routing import Route

ROUTES: list[Route] = []
