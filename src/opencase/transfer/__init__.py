"""Bulk export and import of an organisation (`opencase export` / `opencase import`).

records.py describes the JSON Lines format; export.py writes it, load.py reads it back into a
database (while the server runs), sql.py holds every statement, progress.py reports on stderr.
"""
