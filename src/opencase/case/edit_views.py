"""HTTP handlers for case edits (being written)."""

from opencase.http.routing import Route

ROUTES: list[Route] = []
