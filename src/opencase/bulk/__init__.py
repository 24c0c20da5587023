"""Bulk update of cases (BulkUpdateCases, POST /api/v2/cases/bulk)."""
