"""`opencase export`: an organisation as JSON Lines (the format: transfer/records.py).

The export reads one snapshot (a PostgreSQL repeatable-read transaction; on SQLite a read
transaction of WAL mode, which never blocks the server's writers), so the file is consistent
even while the server serves writes. Cases are read by public id in chunks, each chunk's
keys, insights, events and watchers with one query each.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import defaultdict
from typing import Any, BinaryIO

import msgspec

from opencase.case.models import PRIORITIES
from opencase.case_type.builtin import LEGACY_STATUS
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import DomainError, NotFound
from opencase.query.compile import compile_query
from opencase.query.errors import blamed_on
from opencase.transfer import records as r
from opencase.transfer import sql
from opencase.transfer.progress import Counts, Reporter, summary

CHUNK = 500  # cases read per round trip

_custom_values = msgspec.json.Decoder(dict[str, r.CustomValue])
_attributes = msgspec.json.Decoder(dict[str, list[str]])
_object = msgspec.json.Decoder(dict[str, Any])
_uuids = msgspec.json.Decoder(list[str])


class ExportError(DomainError):
    """The export cannot be written (exit status 2)."""


def _s(value: Any) -> str:
    return str(value)


def _s_opt(value: Any) -> str | None:
    return None if value is None else str(value)


async def _header_records(conn: Connection, org: Row) -> list[r._Record]:
    """The records before the cases: header, org, users, case types, configs, projects."""
    org_id = str(org["id"])
    out: list[r._Record] = [
        r.Header(format=r.FORMAT, version=r.VERSION),
        r.Org(
            id=org_id,
            name=org["name"],
            created_at=r.to_time(org["created_at"]),
            case_seq=org["case_seq"],
        ),
    ]
    users = [
        r.User(
            id=_s(u["id"]),
            email=u["email"],
            name=u["name"],
            handle=u["handle"],
            active=bool(u["active"]),
            created_at=r.to_time(u["created_at"]),
        )
        for u in await conn.fetch(sql.USERS, org_id)
    ]
    users.sort(key=lambda u: u.email)
    out.extend(users)
    types = [
        r.CaseType(
            id=_s(t["id"]),
            name=t["name"],
            description=t["description"],
            emoji=t["emoji"],
            created_at=r.to_time(t["created_at"]),
            modified_at=r.to_time_opt(t["modified_at"]),
            deleted_at=r.to_time_opt(t["deleted_at"]),
        )
        for t in await conn.fetch(sql.CASE_TYPES, org_id)
    ]
    types.sort(key=lambda t: (t.created_at, t.id))
    out.extend(types)
    configs = [
        r.CustomAttribute(
            id=_s(c["id"]),
            case_type_id=_s(c["case_type_id"]),
            key=c["key"],
            display_name=c["display_name"],
            description=c["description"],
            type=c["type"],
            is_multi=bool(c["is_multi"]),
            type_data=_object.decode(c["type_data"]),
            map_from=c["map_from"],
            created_at=r.to_time(c["created_at"]),
            modified_at=r.to_time_opt(c["modified_at"]),
        )
        for c in await conn.fetch(sql.CUSTOM_ATTRIBUTES, org_id)
    ]
    configs.sort(key=lambda c: (c.case_type_id, c.key))
    out.extend(configs)
    projects = [
        r.Project(
            id=_s(p["id"]),
            key=p["key"],
            name=p["name"],
            enabled_custom_case_types=_uuids.decode(p["enabled_custom_case_types"]),
            created_at=r.to_time(p["created_at"]),
            created_by=_s(p["created_by"]),
            modified_at=r.to_time_opt(p["modified_at"]),
            case_seq=p["case_seq"],
        )
        for p in await conn.fetch(sql.PROJECTS, org_id)
    ]
    projects.sort(key=lambda p: p.key)
    out.extend(projects)
    return out


async def _case_records(conn: Connection, org_id: str, rows: list[Row]) -> list[r.Case]:
    """Whole case records (keys, insights, events, watchers) of a chunk of case rows."""
    ids = [str(row["id"]) for row in rows]
    n = len(ids)
    keys: dict[str, list[str]] = defaultdict(list)
    for k in await conn.fetch(sql.keys_of(n), org_id, *ids):
        keys[str(k["case_id"])].append(k["key"])
    times: dict[int, Any] = {}  # insights added together share a timestamp

    def at(us: int) -> Any:
        moment = times.get(us)
        if moment is None:
            moment = times[us] = r.to_time(us)
        return moment

    insights: dict[str, list[r.Insight]] = defaultdict(list)
    Insight = r.Insight
    for i in await conn.fetch(sql.insights_of(n), org_id, *ids):
        insights[str(i["case_id"])].append(
            Insight(
                i["type"],
                i["resource_id"],
                i["ref"],
                i["position"],
                at(i["created_at"]),
                str(i["created_by"]),
            )
        )
    events: dict[str, list[r.Event]] = defaultdict(list)
    for e in await conn.fetch(sql.events_of(n), org_id, *ids):
        events[str(e["case_id"])].append(
            r.Event(
                id=str(e["id"]),
                created_at=at(e["created_at"]),
                actor_id=str(e["actor_id"]),
                action=e["action"],
                details=_object.decode(e["details"]),
                modified_at=r.to_time_opt(e["modified_at"]),
                deleted_at=r.to_time_opt(e["deleted_at"]),
            )
        )
    watchers: dict[str, list[r.Watcher]] = defaultdict(list)
    for w in await conn.fetch(sql.watchers_of(n), org_id, *ids):
        watchers[str(w["case_id"])].append(
            r.Watcher(user_id=str(w["user_id"]), created_at=at(w["created_at"]))
        )
    out = []
    for row, case_id in zip(rows, ids, strict=True):
        insights[case_id].sort(key=lambda i: i.position)
        events[case_id].sort(key=lambda e: (e.created_at, e.id))
        watchers[case_id].sort(key=lambda w: (w.created_at, w.user_id))
        out.append(
            r.Case(
                id=case_id,
                key=row["key"],
                keys=sorted(keys[case_id]),
                public_id=row["public_id"],
                project_id=str(row["project_id"]),
                number=row["number"],
                type_id=str(row["type_id"]),
                title=row["title"],
                description=row["description"],
                priority=PRIORITIES[row["priority"]],  # type: ignore[arg-type]
                status=LEGACY_STATUS[row["status"]],  # type: ignore[arg-type]
                status_name=row["status_name"],
                attributes=_attributes.decode(row["attributes"]),
                custom_attributes=_custom_values.decode(row["custom_attributes"]),
                creation_source=row["creation_source"],
                assignee_id=_s_opt(row["assignee_id"]),
                created_by=str(row["created_by"]),
                modified_by=_s_opt(row["modified_by"]),
                created_at=at(row["created_at"]),
                modified_at=r.to_time_opt(row["modified_at"]),
                closed_at=r.to_time_opt(row["closed_at"]),
                archived_at=r.to_time_opt(row["archived_at"]),
                due_date=row["due_date"],
                resolved_reason=row["resolved_reason"],
                insight_seq=row["insight_seq"],
                insights=insights[case_id],
                events=events[case_id],
                watchers=watchers[case_id],
            )
        )
    return out


async def export_org(
    *, db: Database, org_name: str, query: str, out: BinaryIO, progress: Reporter
) -> Counts:
    """Write the organisation's projects, users, types and the cases matching `query`."""
    counts = Counts()
    encode = r.encoder.encode
    async with db.snapshot() as conn:
        org = await conn.fetchrow(sql.ORG_BY_NAME, org_name)
        if org is None:
            raise NotFound(f"organisation {org_name!r}")
        org_id = str(org["id"])
        where, args = "1 = 1", list[object]([org_id])
        if query.strip():
            with blamed_on(parameter="--query"):
                compiled = await compile_query(conn, org_id=org_id, text=query, engine=db.engine)
            where, args = compiled.where, compiled.args
        total = await conn.fetchval(sql.count_cases(where), *args)
        progress.start(verb="export", total=total)
        for record in await _header_records(conn, org):
            out.write(encode(record) + b"\n")
            if isinstance(record, r.User):
                counts.users += 1
            elif isinstance(record, r.Project):
                counts.projects += 1
            elif isinstance(record, r.CaseType):
                counts.case_types += 1
            elif isinstance(record, r.CustomAttribute):
                counts.custom_attributes += 1
        statement, after = sql.cases_after(where, len(args) + 1), 0
        while True:
            rows = await conn.fetch(statement, *args, after, CHUNK)
            if not rows:
                break
            after = rows[-1]["public_id"]
            for case in await _case_records(conn, org_id, rows):
                out.write(encode(case) + b"\n")
                counts.cases += 1
                counts.insights += len(case.insights)
                counts.events += len(case.events)
            progress.update(done=counts.cases, counts=counts)
    out.flush()
    return counts


async def export_command(
    *, db: Database, org_name: str, query: str, output: str | None, progress: Reporter
) -> int:
    """Export to a file (written whole, then renamed into place) or to stdout; exit status."""
    try:
        counts = await _export_to(
            db=db, org_name=org_name, query=query, output=output, progress=progress
        )
    finally:
        progress.close()
    progress.finish(summary("exported", counts, progress.seconds))
    return 0


async def _export_to(
    *, db: Database, org_name: str, query: str, output: str | None, progress: Reporter
) -> Counts:
    if output is None:
        try:
            counts = await export_org(
                db=db, org_name=org_name, query=query, out=sys.stdout.buffer, progress=progress
            )
        except BrokenPipeError:
            # The reader went away (`| head`): nothing more to say, and nothing to flush.
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise ExportError("the output was closed before the export ended") from None
    else:
        partial = f"{output}.partial"
        try:
            handle = open(partial, "wb")  # noqa: SIM115 - closed below, renamed after
        except OSError as exc:
            raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
        try:
            with handle:
                counts = await export_org(
                    db=db, org_name=org_name, query=query, out=handle, progress=progress
                )
            os.replace(partial, output)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
    return counts
