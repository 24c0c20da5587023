"""HTTP handlers for custom attribute configs (/api/v2/cases/types/…/custom_attributes) and
for the custom attribute values of a case (/api/v2/cases/{case_id}/custom_attributes/{key})."""

from __future__ import annotations

from opencase.case.schemas import CaseResponse, case_response
from opencase.custom_attribute import service
from opencase.custom_attribute.schemas import (
    CaseUpdateCustomAttributeRequest,
    CustomAttributeConfigCreateRequest,
    CustomAttributeConfigResponse,
    CustomAttributeConfigsResponse,
    CustomAttributeConfigUpdateRequest,
    config_resource,
    options_of,
)
from opencase.http.errors import ApiError
from opencase.http.routing import Ctx, Reply, Route, uuid_param


def _unknown_key(exc: service.UnknownKey) -> ApiError:
    # Datadog's shape for an unknown custom attribute key: a long title and meta.key.
    return ApiError(
        404,
        [
            {
                "status": "404",
                "code": "resource_not_found",
                "title": exc.detail,
                "meta": {"key": "invalid_key"},
            }
        ],
    )


async def list_all_configs(ctx: Ctx) -> Reply:
    configs = await service.list_all_configs(db=ctx.db, who=ctx.principal)
    return 200, CustomAttributeConfigsResponse([config_resource(c) for c in configs])


async def list_configs(ctx: Ctx) -> Reply:
    type_id = uuid_param("case_type_id", ctx.params["case_type_id"])
    configs = await service.list_configs(db=ctx.db, who=ctx.principal, type_id=type_id)
    return 200, CustomAttributeConfigsResponse([config_resource(c) for c in configs])


async def create_config(ctx: Ctx) -> Reply:
    type_id = uuid_param("case_type_id", ctx.params["case_type_id"])
    attrs = ctx.body.data.attributes
    config = await service.create_config(
        db=ctx.db,
        who=ctx.principal,
        type_id=type_id,
        key=attrs.key,
        display_name=attrs.display_name,
        description=attrs.description,
        type=attrs.type,
        is_multi=attrs.is_multi,
        options=options_of(attrs.type_data) or [],
        map_from=attrs.map_from,
    )
    return 201, CustomAttributeConfigResponse(config_resource(config))


async def update_config(ctx: Ctx) -> Reply:
    type_id = uuid_param("case_type_id", ctx.params["case_type_id"])
    config_id = uuid_param("custom_attribute_id", ctx.params["custom_attribute_id"])
    attrs = ctx.body.data.attributes
    config = await service.update_config(
        db=ctx.db,
        who=ctx.principal,
        type_id=type_id,
        config_id=config_id,
        display_name=attrs.display_name,
        description=attrs.description,
        type=attrs.type,
        options=options_of(attrs.type_data),
        map_from=attrs.map_from,
    )
    return 200, CustomAttributeConfigResponse(config_resource(config))


async def delete_config(ctx: Ctx) -> Reply:
    type_id = uuid_param("case_type_id", ctx.params["case_type_id"])
    config_id = uuid_param("custom_attribute_id", ctx.params["custom_attribute_id"])
    await service.delete_config(db=ctx.db, who=ctx.principal, type_id=type_id, config_id=config_id)
    return 204, None


async def set_case_value(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    try:
        view = await service.set_case_value(
            db=ctx.db,
            who=ctx.principal,
            ref=ctx.params["case_id"],
            key=ctx.params["custom_attribute_key"],
            type=attrs.type,
            is_multi=attrs.is_multi,
            value=attrs.value,
        )
    except service.UnknownKey as exc:
        raise _unknown_key(exc) from None
    return 200, case_response(view)


async def delete_case_value(ctx: Ctx) -> Reply:
    try:
        view = await service.delete_case_value(
            db=ctx.db,
            who=ctx.principal,
            ref=ctx.params["case_id"],
            key=ctx.params["custom_attribute_key"],
        )
    except service.UnknownKey as exc:
        raise _unknown_key(exc) from None
    return 200, case_response(view)


TYPES = "/api/v2/cases/types"
CONFIGS = TYPES + "/{case_type_id}/custom_attributes"
VALUE = "/api/v2/cases/{case_id}/custom_attributes/{custom_attribute_key}"
TAG = "Custom Attributes"
ROUTES = [
    Route(
        "GET",
        TYPES + "/custom_attributes",
        "GetAllCustomAttributes",
        "Get all custom attributes",
        TAG,
        list_all_configs,
        200,
        response=CustomAttributeConfigsResponse,
    ),
    Route(
        "GET",
        CONFIGS,
        "GetAllCustomAttributeConfigsByCaseType",
        "Get all custom attributes config of case type",
        TAG,
        list_configs,
        200,
        response=CustomAttributeConfigsResponse,
    ),
    Route(
        "POST",
        CONFIGS,
        "CreateCustomAttributeConfig",
        "Create custom attribute config for a case type",
        TAG,
        create_config,
        201,
        body=CustomAttributeConfigCreateRequest,
        response=CustomAttributeConfigResponse,
        resource_type="custom_attribute",
        errors=(409,),
    ),
    Route(
        "PUT",
        CONFIGS + "/{custom_attribute_id}",
        "UpdateCustomAttributeConfig",
        "Update custom attribute config",
        TAG,
        update_config,
        200,
        scope="cases_shared_settings_write",
        body=CustomAttributeConfigUpdateRequest,
        response=CustomAttributeConfigResponse,
        resource_type="custom_attribute",
    ),
    Route(
        "DELETE",
        CONFIGS + "/{custom_attribute_id}",
        "DeleteCustomAttributeConfig",
        "Delete custom attributes config",
        TAG,
        delete_config,
        204,
    ),
    Route(
        "POST",
        VALUE,
        "UpdateCaseCustomAttribute",
        "Update case custom attribute",
        "Cases",
        set_case_value,
        200,
        scope="cases_write",
        body=CaseUpdateCustomAttributeRequest,
        response=CaseResponse,
        resource_type="case",
    ),
    Route(
        "DELETE",
        VALUE,
        "DeleteCaseCustomAttribute",
        "Delete custom attribute from case",
        "Cases",
        delete_case_value,
        200,
        scope="cases_write",
        response=CaseResponse,
    ),
]
