"""Custom attribute configs and case custom attribute values on the wire."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.custom_attribute.models import (
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    KEY_MAX,
    MAP_FROM_MAX,
    OPTION_MAX,
    OPTIONS_MAX,
    TEXT_MAX,
    TYPES,
    VALUES_MAX,
    Config,
)
from opencase.http.errors import ENUM_CHOICES
from opencase.http.fields import documented

CustomAttributeType = Literal["URL", "TEXT", "NUMBER", "SELECT"]
ENUM_CHOICES["attributes/type"] = TYPES

DisplayName = Annotated[str, Meta(min_length=1, max_length=DISPLAY_NAME_MAX)]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]
MapFrom = Annotated[str, Meta(max_length=MAP_FROM_MAX)]
Scalar = Annotated[str, documented(max_length=TEXT_MAX)] | int | float


class SelectOption(msgspec.Struct, frozen=True):
    value: Annotated[str, documented(max_length=OPTION_MAX)]


class TypeData(msgspec.Struct, frozen=True):
    options: Annotated[list[SelectOption], documented(max_items=OPTIONS_MAX)] = []


class CustomAttributeConfigCreateAttributes(msgspec.Struct, frozen=True):
    key: Annotated[str, Meta(min_length=1, max_length=KEY_MAX)]
    display_name: DisplayName
    type: CustomAttributeType
    is_multi: bool
    description: Description = ""
    type_data: TypeData | None = None
    map_from: MapFrom | None = None


class CustomAttributeConfigCreate(msgspec.Struct, frozen=True):
    type: Literal["custom_attribute"]
    attributes: CustomAttributeConfigCreateAttributes


class CustomAttributeConfigCreateRequest(msgspec.Struct, frozen=True):
    data: CustomAttributeConfigCreate


class CustomAttributeConfigUpdateAttributes(msgspec.Struct, frozen=True):
    display_name: DisplayName | None = None
    description: Description | None = None
    type: CustomAttributeType | None = None
    type_data: TypeData | None = None
    map_from: MapFrom | None = None


class CustomAttributeConfigUpdate(msgspec.Struct, frozen=True):
    type: Literal["custom_attribute"]
    attributes: CustomAttributeConfigUpdateAttributes = CustomAttributeConfigUpdateAttributes()


class CustomAttributeConfigUpdateRequest(msgspec.Struct, frozen=True):
    data: CustomAttributeConfigUpdate


class CustomAttributeConfigAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    case_type_id: str
    key: str
    display_name: str
    description: str
    type: str
    is_multi: bool
    type_data: TypeData | None = None  # SELECT attributes: their options
    map_from: str | None = None


class CustomAttributeConfigResource(msgspec.Struct, frozen=True):
    id: str
    attributes: CustomAttributeConfigAttributes
    type: Literal["custom_attribute"] = "custom_attribute"


class CustomAttributeConfigResponse(msgspec.Struct, frozen=True):
    data: CustomAttributeConfigResource


class CustomAttributeConfigsResponse(msgspec.Struct, frozen=True):
    data: list[CustomAttributeConfigResource]


class CustomAttributeValue(msgspec.Struct, frozen=True):
    type: CustomAttributeType
    is_multi: bool
    value: Scalar | Annotated[list[Scalar], documented(max_items=VALUES_MAX)]


class CaseUpdateCustomAttribute(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CustomAttributeValue


class CaseUpdateCustomAttributeRequest(msgspec.Struct, frozen=True):
    data: CaseUpdateCustomAttribute


def options_of(type_data: TypeData | None) -> list[str] | None:
    """The option values given, or None when `type_data` was left out."""
    return None if type_data is None else [o.value for o in type_data.options]


def config_resource(config: Config) -> CustomAttributeConfigResource:
    return CustomAttributeConfigResource(
        id=config.id,
        attributes=CustomAttributeConfigAttributes(
            case_type_id=config.case_type_id,
            key=config.key,
            display_name=config.display_name,
            description=config.description,
            type=config.type,
            is_multi=config.is_multi,
            type_data=TypeData([SelectOption(o) for o in config.options])
            if config.type == "SELECT"
            else None,
            map_from=config.map_from,
        ),
    )
