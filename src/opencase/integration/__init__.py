"""Jira, ServiceNow, notebooks and incidents of a case, and the external systems the outbox delivers to."""
