"""The web UI: server-rendered HTML pages on the API's port, at `/`.

Pages are plain HTML forms that work without JavaScript; `static/ui.js` (no library) adds
autosaving selects and drag and drop on the board. Page handlers call the domain services
directly (never the API handlers), acting as the signed-in user (account/sessions.py).
"""
