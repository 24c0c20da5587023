"""Link resources on the wire: CaseLinkCreateRequest, CaseLinkResponse, CaseLinksResponse."""

from __future__ import annotations

from typing import Literal

import msgspec

from opencase.http.errors import ENUM_CHOICES
from opencase.http.fields import Uuid
from opencase.link.models import ENTITY_TYPES, RELATIONSHIPS, EntityType, Link, Relationship

ENUM_CHOICES["attributes/parent_entity_type"] = ENTITY_TYPES
ENUM_CHOICES["attributes/child_entity_type"] = ENTITY_TYPES
ENUM_CHOICES["attributes/relationship"] = RELATIONSHIPS


class CaseLinkAttributes(msgspec.Struct, frozen=True):
    parent_entity_type: EntityType
    parent_entity_id: Uuid
    child_entity_type: EntityType
    child_entity_id: Uuid
    relationship: Relationship


class CaseLinkCreate(msgspec.Struct, frozen=True):
    type: Literal["link"]
    attributes: CaseLinkAttributes


class CaseLinkCreateRequest(msgspec.Struct, frozen=True):
    data: CaseLinkCreate


class CaseLink(msgspec.Struct, frozen=True):
    id: str
    attributes: CaseLinkAttributes
    type: Literal["link"] = "link"


class CaseLinkResponse(msgspec.Struct, frozen=True):
    data: CaseLink


class CaseLinksResponse(msgspec.Struct, frozen=True):
    data: list[CaseLink]


def link_resource(link: Link) -> CaseLink:
    return CaseLink(
        id=link.id,
        attributes=CaseLinkAttributes(
            parent_entity_type=link.parent_entity_type,
            parent_entity_id=link.parent_entity_id,
            child_entity_type=link.child_entity_type,
            child_entity_id=link.child_entity_id,
            relationship=link.relationship,
        ),
    )
