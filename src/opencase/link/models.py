"""Links: directional relationships between two entities, at least one a case."""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

# The spec types both as strings and lists the allowed values in their descriptions.
EntityType = Literal["CASE", "INCIDENT", "PAGE", "AGENT_CONVERSATION"]
Relationship = Literal[
    "RELATES_TO", "CAUSES", "BLOCKS", "DUPLICATES", "PARENT_OF", "SUCCESSOR_OF", "ESCALATES_TO"
]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)
RELATIONSHIPS: tuple[Relationship, ...] = get_args(Relationship)
# Relationships without a direction: A RELATES_TO B is the same link as B RELATES_TO A.
UNDIRECTED = frozenset({"RELATES_TO"})


class Link(msgspec.Struct, frozen=True):
    id: str
    parent_entity_type: EntityType
    parent_entity_id: str
    child_entity_type: EntityType
    child_entity_id: str
    relationship: Relationship
    created_at: int
    created_by: str

    def case_ids(self) -> list[str]:
        """The ids of the ends that are cases, sorted (the order their rows are locked in)."""
        ends = [
            (self.parent_entity_type, self.parent_entity_id),
            (self.child_entity_type, self.child_entity_id),
        ]
        return sorted({i for t, i in ends if t == "CASE"})
