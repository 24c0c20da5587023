"""Watcher resources on the wire: CaseWatchersResponse of Datadog's spec."""

from __future__ import annotations

from typing import Literal

import msgspec

from opencase.http.jsonapi import UserRef, UserRelationship, UserResource, user_resource
from opencase.watcher.models import Watcher


class CaseWatcherRelationships(msgspec.Struct, frozen=True):
    user: UserRelationship


class CaseWatcher(msgspec.Struct, frozen=True):
    id: str  # the user's id: a user watches a case at most once
    relationships: CaseWatcherRelationships
    type: Literal["watcher"] = "watcher"


class CaseWatchersResponse(msgspec.Struct, frozen=True):
    data: list[CaseWatcher]
    included: list[UserResource]  # the watching users, as cases include their users


def watchers_response(watchers: list[Watcher]) -> CaseWatchersResponse:
    return CaseWatchersResponse(
        data=[
            CaseWatcher(
                id=w.user.id,
                relationships=CaseWatcherRelationships(UserRelationship(UserRef(w.user.id))),
            )
            for w in watchers
        ],
        included=[user_resource(w.user) for w in watchers],
    )
