"""The outbox worker with everything it delivers to: the fan-out of changes and one adapter
per kind of target. `opencase serve` runs one; `opencase worker` runs one on its own."""

from __future__ import annotations

from opencase.adapters.base import Adapter
from opencase.adapters.chat import PagerDuty, Slack, Teams
from opencase.adapters.email import Email
from opencase.adapters.tickets import Jira, ServiceNow
from opencase.adapters.webhook import Agent, Webhook
from opencase.core.config import Settings
from opencase.core.db import Database
from opencase.fanout.service import fan_out
from opencase.outbox.worker import Worker


def adapters(settings: Settings) -> dict[str, Adapter]:
    """The adapter of every target kind the outbox knows."""
    return {
        "webhook": Webhook("webhook"),
        "workflow": Webhook("workflow"),
        "agent": Agent(),
        "email": Email(settings),
        "slack": Slack(),
        "teams": Teams(),
        "pagerduty": PagerDuty(),
        "jira": Jira(),
        "servicenow": ServiceNow(),
    }


def worker_from(db: Database, settings: Settings) -> Worker:
    """A worker with the settings' adapters, back-off and tries."""
    return Worker(
        db,
        adapters=adapters(settings),
        fan_out=fan_out,
        backoff_seconds=settings.outbox_backoff_seconds,
        max_attempts=settings.outbox_max_attempts,
    )
