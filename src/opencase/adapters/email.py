"""EMAIL recipients: one message per delivery through the SMTP server of the settings
(OPENCASE_SMTP_*), its Message-ID made from the delivery id so that a retried message is
recognisable as the same one."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import httpx
import msgspec

from opencase.adapters.base import Attempt, Need, Outcome, Quiet, Target, summary
from opencase.core.config import Settings
from opencase.outbox import signing


class Email(Quiet):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def needs(self, attempt: Attempt) -> Need:
        return None

    def _message(self, attempt: Attempt) -> EmailMessage:
        doc = attempt.document()
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = str((attempt.recipient or {}).get("email", ""))
        message["Subject"] = summary(doc)[:200]
        message["Message-ID"] = f"<{attempt.id}@opencase>"
        message[signing.DELIVERY_HEADER] = attempt.id
        message[signing.EVENT_HEADER] = attempt.event
        message.set_content(
            summary(doc) + "\n\n" + msgspec.json.format(attempt.body, indent=2).decode()
        )
        return message

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        if not self.settings.smtp_host:
            return Outcome(error="SMTP is not configured (OPENCASE_SMTP_HOST)")
        try:
            await asyncio.to_thread(self._send, self._message(attempt))
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}"[:500])
        return Outcome()
