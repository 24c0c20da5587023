"""HTTP handlers (being written)."""

from opencase.http.routing import Route

ROUTES: list[Route] = []
