"""Organisations, users and the key pairs that authenticate them."""

from __future__ import annotations

import msgspec

SCOPES = frozenset(
    {
        "cases_read",
        "cases_write",
        "cases_shared_settings_write",
        # Maintenance windows (/api/v2/maintenance_windows), as in Datadog's spec.
        "event_correlation_config_read",
        "event_correlation_config_write",
    }
)
# What `opencase keys create` grants unless --scopes says otherwise. Keys created before a
# scope was added here keep the scopes they were created with.
DEFAULT_SCOPES = (
    "cases_read",
    "cases_write",
    "cases_shared_settings_write",
    "event_correlation_config_read",
    "event_correlation_config_write",
)


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: the organisation of the API key, the user and scopes of the app key."""

    org_id: str
    user_id: str
    scopes: frozenset[str]


class User(msgspec.Struct, frozen=True):
    id: str
    email: str
    name: str
    handle: str
    active: bool


class CreatedKeys(msgspec.Struct, frozen=True):
    """A new key pair; the secrets exist only here, the database keeps their hashes."""

    org_id: str
    org_name: str
    user_id: str
    user_email: str
    api_key_id: str
    api_key: str
    app_key_id: str
    app_key: str
    scopes: list[str]


class KeyInfo(msgspec.Struct, frozen=True):
    kind: str  # "api" or "app"
    id: str
    org_name: str
    user_email: str | None
    prefix: str
    scopes: list[str]
    created_at: str
    revoked_at: str | None
