"""Bounded wire types that the request schemas of several domains share.

Every string, array and object a request may carry states its bound in the OpenAPI document;
`tests/test_limits.py` holds every operation to that. Where a service already checks a value
with an error naming the field (`documented`), the schema only states the bound; elsewhere
msgspec enforces it while decoding.
"""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

# The longest spelling of a UUID that uuid.UUID reads ("urn:uuid:" and 36 characters).
UUID_TEXT_MAX = 45
# A case's UUID or one of its keys (PROJECTKEY-N): never longer than a UUID's spelling.
CASE_REF_MAX = UUID_TEXT_MAX
# Status names, field names and other short identifiers the services check by value.
NAME_TEXT_MAX = 256

Uuid = Annotated[str, Meta(max_length=UUID_TEXT_MAX, extra_json_schema={"format": "uuid"})]
CaseRef = Annotated[
    str, Meta(max_length=CASE_REF_MAX, description="A case's UUID or key, such as SEC-12.")
]
ShortName = Annotated[str, Meta(max_length=NAME_TEXT_MAX)]


def documented(**bounds: Any) -> Meta:
    """A bound the service enforces (with its own error), stated in the document only."""
    names = {
        "max_length": "maxLength",
        "min_length": "minLength",
        "max_items": "maxItems",
        "min_items": "minItems",
        "max_properties": "maxProperties",
    }
    return Meta(extra_json_schema={names[k]: v for k, v in bounds.items()})
