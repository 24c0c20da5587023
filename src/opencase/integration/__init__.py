"""A case's Jira issue, ServiceNow ticket, notebook and incidents, and the organisation's
settings for the outside systems the outbox delivers to."""
