"""How the schema distributes by organisation on Citus (PostgreSQL's sharding extension).

Every table is distributed by `org_id`, except the few marked `info=REFERENCE` in
core/tables.py, which Citus copies whole to every node. The statements come in dependency
order, reference tables first: Citus wants a foreign key's target distributed before the table
that points at it. Distributed tables all share one colocation group (same column type), so
one organisation's rows of every table sit on one node and its joins stay local.
"""

from __future__ import annotations

from opencase.core.tables import metadata


def is_reference(table_name: str) -> bool:
    """True when the table is copied to every node rather than split by organisation."""
    return metadata.tables[table_name].info.get("citus") == "reference"


def statements() -> list[str]:
    """The SQL an operator runs on the coordinator, after `opencase db upgrade`."""
    out = []
    for table in sorted(metadata.sorted_tables, key=lambda t: not is_reference(t.name)):
        if is_reference(table.name):
            out.append(f"SELECT create_reference_table('{table.name}');")
        else:
            out.append(f"SELECT create_distributed_table('{table.name}', 'org_id');")
    return out
