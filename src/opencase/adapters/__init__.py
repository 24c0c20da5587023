"""One adapter per outside system the outbox delivers to, behind one interface (base.Adapter):
signed webhooks (also workflows and agents), email, Slack, PagerDuty, Teams, Jira, ServiceNow."""
