"""HTTP handlers for /api/v2/cases/link and /api/v2/cases/link/{link_id}.

The literal `link` segment wins over `{case_id}` in Falcon's router, so these never reach the
case routes (`link` is not a case key either: keys are `KEY-n`).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from opencase.core.errors import InvalidInput
from opencase.http.routing import Ctx, Param, Reply, Route, uuid_param
from opencase.link import service
from opencase.link.models import ENTITY_TYPES, RELATIONSHIPS
from opencase.link.schemas import (
    CaseLinkCreateRequest,
    CaseLinkResponse,
    CaseLinksResponse,
    link_resource,
)

T = TypeVar("T", bound=str)


def _one(query: dict[str, Any], name: str, required: bool) -> str | None:
    value = query.get(name)
    if isinstance(value, list):
        raise InvalidInput(f"{name} may be given once", parameter=name)
    if not value:
        if required:
            raise InvalidInput(f"missing required query parameter {name}", parameter=name)
        return None
    return str(value)


def _choice(value: str, name: str, choices: tuple[T, ...]) -> T:
    for choice in choices:
        if value == choice:
            return choice
    raise InvalidInput(
        f"invalid {name} {value}. Must be one of {', '.join(choices)}", parameter=name
    )


async def create_link(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    link = await service.create_link(
        db=ctx.db,
        who=ctx.principal,
        parent_entity_type=attrs.parent_entity_type,
        parent_entity_id=attrs.parent_entity_id,
        child_entity_type=attrs.child_entity_type,
        child_entity_id=attrs.child_entity_id,
        relationship=attrs.relationship,
    )
    return 201, CaseLinkResponse(link_resource(link))


async def list_links(ctx: Ctx) -> Reply:
    entity_type = _choice(_one(ctx.query, "entity_type", True) or "", "entity_type", ENTITY_TYPES)
    raw_id = _one(ctx.query, "entity_id", True) or ""
    try:
        entity_id = str(uuid.UUID(raw_id))
    except ValueError:
        raise InvalidInput(f"{raw_id!r} is not a UUID", parameter="entity_id") from None
    raw_relationship = _one(ctx.query, "relationship", False)
    relationship = (
        None
        if raw_relationship is None
        else _choice(raw_relationship, "relationship", RELATIONSHIPS)
    )
    links = await service.list_links(
        db=ctx.db,
        who=ctx.principal,
        entity_type=entity_type,
        entity_id=entity_id,
        relationship=relationship,
    )
    return 200, CaseLinksResponse([link_resource(link) for link in links])


async def delete_link(ctx: Ctx) -> Reply:
    link_id = uuid_param("link_id", ctx.params["link_id"])
    await service.delete_link(db=ctx.db, who=ctx.principal, link_id=link_id)
    return 204, None


LIST_PARAMS = (
    Param(
        "entity_type",
        {"type": "string", "enum": list(ENTITY_TYPES)},
        "The type of the entity whose links to list.",
        required=True,
    ),
    Param(
        "entity_id",
        {"type": "string", "format": "uuid"},
        "The entity's UUID; for CASE, a case of the organisation.",
        required=True,
    ),
    Param(
        "relationship",
        {"type": "string", "enum": list(RELATIONSHIPS)},
        "Only links of this relationship.",
    ),
)

BASE = "/api/v2/cases/link"
ROUTES = [
    Route(
        "GET",
        BASE,
        "ListCaseLinks",
        "List case links",
        "Links",
        list_links,
        200,
        scope="cases_read",
        response=CaseLinksResponse,
        query=LIST_PARAMS,
        errors=(404,),
    ),
    Route(
        "POST",
        BASE,
        "CreateCaseLink",
        "Create a case link",
        "Links",
        create_link,
        201,
        scope="cases_write",
        body=CaseLinkCreateRequest,
        response=CaseLinkResponse,
        resource_type="link",
        errors=(409,),
    ),
    Route(
        "DELETE",
        BASE + "/{link_id}",
        "DeleteCaseLink",
        "Delete a case link",
        "Links",
        delete_link,
        204,
        scope="cases_write",
    ),
]
