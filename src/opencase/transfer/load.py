"""`opencase import`: load an export (transfer/records.py) into an organisation.

Line by line: each line is decoded with the record Structs and checked (references to
projects, users and case types, duplicate insights, positions, event ids, …) before anything
is written; a case becomes the rows of all its tables at once. Good records are written in
batches, one short transaction per batch (at most BATCH_CASES cases or about BATCH_ROWS rows),
so the server keeps serving writes meanwhile (SQLite: the write lock is held only while a
prepared batch is inserted).

Decisions:
- Ids are kept. A case whose id is already in the organisation is left alone (never
  overwritten, even when it differs): importing a file twice adds nothing the second time,
  and an interrupted import can simply be run again. Projects, case types and custom
  attribute configs already there (same id; for configs also the same case type and key) are
  left alone too.
- Users are matched by email: a user of the organisation with the record's email is reused
  (every reference to the record's id then names that user, inside event details too);
  otherwise the user is created, with the record's id unless another user of the
  organisation has it.
- The organisation named by `--org` is created when missing (with the file's org id when
  free). Counters are raised, never lowered: `orgs.case_seq` to the highest public id,
  `projects.case_seq` to the highest number any key of the project names (old keys of moved
  cases too), `cases.insight_seq` to the highest insight position, so cases and insights
  created afterwards never collide with imported ones.
- A bad record (not JSON, an unknown kind, a field of the wrong type, an unknown project or
  user, a key or public id already used by another case, …) is reported on stderr as
  `line N: case SEC-3: insights[2].type: …`. Nothing of it is written. Without skip_invalid
  the import stops there: the records before it are committed, none after it is read. With
  skip_invalid it is skipped and the import goes on.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, BinaryIO, Protocol, TypeVar

import msgspec

from opencase.case.models import PRIORITIES
from opencase.case_type.builtin import BUILTIN_BY_ID, DEFAULT_STATUSES, LEGACY_STATUS
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database
from opencase.core.errors import DomainError, InvalidInput
from opencase.custom_attribute.models import VALUES_MAX
from opencase.insight.models import PER_CASE_MAX
from opencase.timeline.models import COMMENT
from opencase.timeline.service import USER_KEYS
from opencase.transfer import records as r
from opencase.transfer import sql
from opencase.transfer.progress import Counts, Reporter, summary

BATCH_CASES = 500  # cases per transaction at most
BATCH_ROWS = 5000  # rows (cases, keys, insights, events, watchers) per transaction, about
BATCH_OTHERS = 500  # users, projects, types, configs per transaction at most

_encode = r.encoder.encode
_any = msgspec.json.Decoder()
_STATUS_NAMES = {s.name: LEGACY_STATUS[s.group] for s in DEFAULT_STATUSES}
_PRIORITY = {name: i for i, name in enumerate(PRIORITIES)}
_GROUP = {name: i for i, name in enumerate(LEGACY_STATUS)}


class _Item(Protocol):
    line: int
    label: str


T = TypeVar("T", bound=_Item)


class ImportFailed(DomainError):
    """The import cannot start or go on (exit status 2): unreadable input, a bad setting."""


class Bad(Exception):
    """A record that cannot be imported, and why."""

    def __init__(self, reason: str, label: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.label = label


class _Fatal(Exception):
    """The file is not an export this version reads (its header)."""


class _Case:
    """A checked case as the rows of its tables, ready to insert."""

    __slots__ = (
        "case_row",
        "event_rows",
        "events",
        "id",
        "insight_rows",
        "key_rows",
        "keys",
        "label",
        "line",
        "public_id",
        "raises",
        "rows",
        "watcher_rows",
    )

    def __init__(self, line: int, label: str, rec: r.Case) -> None:
        self.line, self.label, self.id, self.public_id = line, label, rec.id, rec.public_id
        self.keys: list[str] = []
        self.raises: dict[str, int] = {}  # project id -> highest number its keys name
        self.case_row: tuple[Any, ...] = ()
        self.key_rows: list[tuple[Any, ...]] = []
        self.insight_rows: list[tuple[Any, ...]] = []
        self.event_rows: list[tuple[Any, ...]] = []
        self.watcher_rows: list[tuple[Any, ...]] = []
        self.events = 0
        self.rows = 0


class _Other(msgspec.Struct):
    line: int
    label: str
    record: r.User | r.CaseType | r.CustomAttribute | r.Project


class _Outcome(msgspec.Struct):
    counts: Counts
    bad: list[tuple[int, str, str]]  # line, label, reason
    stopped: bool = False


def _label(record: Any) -> str:
    """How a record is named in messages: `case SEC-3`, `user a@b.test`, `project SEC`."""
    if isinstance(record, r.Case | r.Project):
        return f"{type(record).__name__.lower()} {record.key}"
    if isinstance(record, r.User):
        return f"user {record.email}"
    if isinstance(record, r.CustomAttribute):
        return f"custom_attribute {record.key}"
    if isinstance(record, r.CaseType):
        return f"case_type {record.id}"
    return str(getattr(record, "kind", None) or type(record).__name__.lower())


def _loose_label(raw: bytes) -> str | None:
    """The label of a line that did not decode, from whatever it holds."""
    try:
        value = _any.decode(raw)
    except msgspec.DecodeError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return None
    kind: str = value["kind"]
    name = {"case": "key", "project": "key", "user": "email", "custom_attribute": "key"}
    ident = value.get(name.get(kind, "id"))
    if kind not in r.KINDS:
        return None
    return f"{kind} {ident}" if isinstance(ident, str | int) else kind


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def decode(raw: bytes) -> r.Record:
    """One line as a record; Bad when it is not JSON or not of the schema."""
    try:
        record: r.Record = r.decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise Bad(r.explain(exc), _loose_label(raw)) from None
    except msgspec.DecodeError as exc:
        raise Bad(f"invalid JSON: {exc}") from None
    if b"\\u0000" in raw and _has_nul(_any.decode(raw)):
        raise Bad(
            "a string holds a NUL character (\\u0000), which the database cannot store",
            _label(record),
        )
    return record


def _record_error(exc: BaseException) -> bool:
    """Whether the database refused a row for what it holds (a constraint, a bad value), as
    opposed to failing on its own (locked, disconnected)."""
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.InterfaceError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "IntegrityConstraintViolationError" in names or "DataError" in names


def _database_error(exc: BaseException) -> bool:
    """Whether an exception is the database's (either driver), not opencase's."""
    if isinstance(exc, sqlite3.Error):
        return True
    return any(cls.__module__.startswith("asyncpg") for cls in type(exc).__mro__)


def _scalar_ok(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _check_custom_value(key: str, value: r.CustomValue) -> None:
    where = f"custom_attributes.{key}.value"
    if value.is_multi:
        items = value.value
        if not isinstance(items, list) or not 1 <= len(items) <= VALUES_MAX:
            raise Bad(f"{where}: a multi-valued attribute holds 1 to {VALUES_MAX} values")
        if not all(_scalar_ok(v) for v in items):
            raise Bad(f"{where}: expected strings or numbers")
    elif not _scalar_ok(value.value):
        raise Bad(f"{where}: expected a string or a number")


def _remap_details(details: dict[str, Any], users: dict[str, str]) -> dict[str, Any]:
    """Event details with the user ids they name (see timeline USER_KEYS) mapped."""
    out = dict(details)
    for key in USER_KEYS:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = users.get(value, value)
        elif isinstance(value, dict):
            out[key] = {
                k: users.get(v, v) if isinstance(v, str) and k in ("from", "to") else v
                for k, v in value.items()
            }
    return out


class Loader:
    """One import into one organisation."""

    def __init__(
        self, *, db: Database, org_name: str, skip_invalid: bool, progress: Reporter
    ) -> None:
        self.db, self.org_name, self.skip_invalid, self.progress = (
            db,
            org_name,
            skip_invalid,
            progress,
        )
        self.counts = Counts()
        self.org_id: str | None = None
        self.users: dict[str, str] = {}  # user id in the file -> user id in the database
        self.remap = False  # some file user id names another database user id
        self.projects: dict[str, str] = {}  # project id -> key
        self.project_ids: dict[str, str] = {}  # project key -> id
        self.types: set[str] = set(BUILTIN_BY_ID)
        self.cases: list[_Case] = []
        self.case_rows = 0
        self.analyze_at = BATCH_ROWS  # rows written when statistics are refreshed next
        self.written = 0
        self.others: list[_Other] = []
        self.stopped_at: int | None = None

    # -- state

    def _save(self) -> tuple[Any, ...]:
        return (
            dict(self.users),
            self.remap,
            dict(self.projects),
            dict(self.project_ids),
            set(self.types),
        )

    def _restore(self, saved: tuple[Any, ...]) -> None:
        self.users, self.remap, self.projects, self.project_ids, self.types = saved

    def _user(self, user_id: str, where: str) -> str:
        target = self.users.get(user_id)
        if target is None:
            raise Bad(f"{where}: unknown user {user_id} (no user record, not a user of the org)")
        return target

    async def _ensure_org(self, record: r.Org | None) -> None:
        async with self.db.transaction() as conn:
            row = await conn.fetchrow(sql.ORG_BY_NAME, self.org_name)
            if row is None:
                org_id = str(uuid.uuid4())
                if record is not None and not await conn.fetchval(sql.ORG_ID_TAKEN, record.id):
                    org_id = record.id
                created = now_us() if record is None else r.to_us(record.created_at)
                await conn.execute(sql.INSERT_ORG, org_id, self.org_name, created)
            else:
                org_id = str(row["id"])
            if record is not None and record.case_seq:
                await conn.execute(sql.RAISE_ORG_SEQ, org_id, record.case_seq)
            users = await conn.fetch(sql.USERS, org_id)
            projects = await conn.fetch(sql.PROJECTS, org_id)
            types = await conn.fetch(sql.CASE_TYPES, org_id)
        self.org_id = org_id
        self.users = {str(u["id"]): str(u["id"]) for u in users}
        self.projects = {str(p["id"]): p["key"] for p in projects}
        self.project_ids = {key: pid for pid, key in self.projects.items()}
        self.types.update(str(t["id"]) for t in types)

    # -- checking a case

    def _prepare(self, line: int, label: str, rec: r.Case) -> _Case:
        """A case record checked against the schema's rules and what the org holds."""
        org_id = self.org_id
        assert org_id is not None
        out = _Case(line, label, rec)
        user = self._user
        project_key = self.projects.get(rec.project_id)
        if project_key is None:
            raise Bad(f"project_id: unknown project {rec.project_id}")
        if rec.key != f"{project_key}-{rec.number}":
            raise Bad(
                f"key: {rec.key} is not the key of number {rec.number} in project {project_key}"
            )
        keys = sorted(set(rec.keys)) if rec.keys else [rec.key]
        if rec.keys and len(keys) != len(rec.keys):
            raise Bad("keys: a key is listed twice")
        if rec.key not in keys:
            raise Bad(f"keys: the case's own key {rec.key} is missing")
        for key in keys:
            prefix, number = key.rsplit("-", 1)
            pid = self.project_ids.get(prefix)
            if pid is None:
                raise Bad(f"keys: {key} names no project of the organisation")
            out.raises[pid] = max(out.raises.get(pid, 0), int(number))
        out.keys = keys
        if rec.type_id not in self.types:
            raise Bad(f"type_id: unknown case type {rec.type_id}")
        group = _STATUS_NAMES.get(rec.status_name)
        if group is None:
            names = ", ".join(_STATUS_NAMES)
            raise Bad(f"status_name: {rec.status_name!r} is not one of {names}")
        if group != rec.status:
            raise Bad(f"status: {rec.status} does not match status_name {rec.status_name!r}")
        if not rec.title.strip():
            raise Bad("title: must not be blank")
        for key, value in rec.custom_attributes.items():
            _check_custom_value(key, value)
        created_by = user(rec.created_by, "created_by")
        assignee = None if rec.assignee_id is None else user(rec.assignee_id, "assignee_id")
        modified_by = None if rec.modified_by is None else user(rec.modified_by, "modified_by")

        case_id = rec.id
        to_us = r.to_us
        if len(rec.insights) > PER_CASE_MAX:
            raise Bad(f"insights: a case holds at most {PER_CASE_MAX:,} insights")
        seen: set[tuple[str, str]] = set()
        positions: set[int] = set()
        insight_rows = out.insight_rows
        users = self.users
        for n, i in enumerate(rec.insights):
            ident = (i.type, i.resource_id)
            if ident in seen:
                raise Bad(f"insights[{n}]: insight {i.type} {i.resource_id} is listed twice")
            if i.position in positions:
                raise Bad(f"insights[{n}].position: position {i.position} is used twice")
            seen.add(ident)
            positions.add(i.position)
            by = users.get(i.created_by) or user(i.created_by, f"insights[{n}].created_by")
            insight_rows.append(
                (
                    org_id,
                    case_id,
                    i.type,
                    i.resource_id,
                    i.ref,
                    i.position,
                    to_us(i.created_at),
                    by,
                )
            )
        insight_seq = max(rec.insight_seq, max(positions, default=0))

        comments = 0
        event_ids: set[str] = set()
        for n, e in enumerate(rec.events):
            if e.id in event_ids:
                raise Bad(f"events[{n}].id: event {e.id} is listed twice")
            event_ids.add(e.id)
            if e.action == COMMENT:
                if not isinstance(e.details.get("message"), str):
                    raise Bad(f"events[{n}].details.message: a comment needs its text")
                if e.deleted_at is None:
                    comments += 1
            details = _remap_details(e.details, users) if self.remap else e.details
            out.event_rows.append(
                (
                    org_id,
                    case_id,
                    e.id,
                    to_us(e.created_at),
                    user(e.actor_id, f"events[{n}].actor_id"),
                    e.action,
                    _encode(details).decode(),
                    r.to_us_opt(e.modified_at),
                    r.to_us_opt(e.deleted_at),
                )
            )
        watched: set[str] = set()
        for n, w in enumerate(rec.watchers):
            if w.user_id in watched:
                raise Bad(f"watchers[{n}].user_id: user {w.user_id} is listed twice")
            watched.add(w.user_id)
            out.watcher_rows.append(
                (org_id, case_id, user(w.user_id, f"watchers[{n}].user_id"), to_us(w.created_at))
            )

        out.case_row = (
            org_id,
            case_id,
            rec.project_id,
            rec.number,
            rec.key,
            rec.public_id,
            rec.type_id,
            rec.title,
            rec.description,
            _PRIORITY[rec.priority],
            _GROUP[rec.status],
            rec.status_name,
            _encode(rec.attributes).decode(),
            _encode(rec.custom_attributes).decode(),
            rec.creation_source,
            assignee,
            created_by,
            modified_by,
            to_us(rec.created_at),
            r.to_us_opt(rec.modified_at),
            r.to_us_opt(rec.closed_at),
            r.to_us_opt(rec.archived_at),
            rec.due_date,
            rec.resolved_reason,
            comments,
            len(rec.insights),
            insight_seq,
        )
        out.key_rows = [(org_id, key, case_id) for key in keys]
        out.events = len(rec.events)
        out.rows = 1 + len(keys) + len(insight_rows) + len(out.event_rows) + len(rec.watchers)
        return out

    # -- writing

    async def _write_cases(self, conn: Connection, batch: list[_Case]) -> _Outcome:
        org_id = self.org_id
        counts = Counts()
        outcome = _Outcome(counts, [])
        # Lock what case creation locks, in its order (projects, then the organisation), so
        # no case created meanwhile can take a number or public id checked free below.
        project_ids = sorted({pid for case in batch for pid in case.raises})
        await conn.fetch(sql.lock_projects(len(project_ids)), org_id, *project_ids)
        await conn.fetchval(sql.LOCK_ORG, org_id)
        ids = [case.id for case in batch]
        found = await conn.fetch(sql.existing_cases(len(ids)), org_id, *ids)
        existing = {str(x["id"]) for x in found}
        public_ids = [case.public_id for case in batch]
        owners: dict[Any, str] = {
            x["public_id"]: str(x["id"])
            for x in await conn.fetch(sql.taken_public_ids(len(public_ids)), org_id, *public_ids)
        }
        all_keys = [key for case in batch for key in case.keys]
        owners.update(
            {
                x["key"]: str(x["case_id"])
                for x in await conn.fetch(sql.taken_keys(len(all_keys)), org_id, *all_keys)
            }
        )
        accepted: list[_Case] = []
        for case in batch:
            if case.id in existing:
                counts.present += 1
                continue
            reason = None
            other = owners.get(case.public_id, case.id)
            if other != case.id:
                reason = f"public_id: {case.public_id} already belongs to another case ({other})"
            else:
                clash = next((k for k in case.keys if owners.get(k, case.id) != case.id), None)
                if clash is not None:
                    reason = f"keys: {clash} already belongs to another case ({owners[clash]})"
            if reason is not None:
                outcome.bad.append((case.line, case.label, reason))
                if not self.skip_invalid:
                    outcome.stopped = True
                    break
                continue
            accepted.append(case)
            existing.add(case.id)
            owners[case.public_id] = case.id
            owners.update((key, case.id) for key in case.keys)
        if not accepted:
            return outcome
        seqs: dict[str, int] = {}
        for case in accepted:
            for pid, number in case.raises.items():
                seqs[pid] = max(seqs.get(pid, 0), number)
        for pid in sorted(seqs):
            await conn.execute(sql.RAISE_PROJECT_SEQ, org_id, pid, seqs[pid])
        await conn.execute(sql.RAISE_ORG_SEQ, org_id, max(c.public_id for c in accepted))
        for table, columns, rows in (
            ("cases", sql.CASE_COLUMNS, [c.case_row for c in accepted]),
            ("case_keys", sql.KEY_COLUMNS, [x for c in accepted for x in c.key_rows]),
            ("case_insights", sql.INSIGHT_COLUMNS, [x for c in accepted for x in c.insight_rows]),
            ("case_events", sql.EVENT_COLUMNS, [x for c in accepted for x in c.event_rows]),
            ("case_watchers", sql.WATCHER_COLUMNS, [x for c in accepted for x in c.watcher_rows]),
        ):
            if rows:
                await conn.insert_rows(table, columns, rows)
        counts.cases += len(accepted)
        counts.insights += sum(len(c.insight_rows) for c in accepted)
        counts.events += sum(c.events for c in accepted)
        return outcome

    async def _write_others(self, conn: Connection, batch: list[_Other]) -> _Outcome:
        outcome = _Outcome(Counts(), [])
        for item in batch:
            try:
                await self._apply(conn, item.record, outcome.counts)
            except Bad as bad:
                outcome.bad.append((item.line, item.label, bad.reason))
                if not self.skip_invalid:
                    outcome.stopped = True
                    break
        return outcome

    async def _apply(self, conn: Connection, record: Any, counts: Counts) -> None:
        """Write one user, case type, config or project (checks first: Bad writes nothing)."""
        org_id = self.org_id
        if isinstance(record, r.User):
            found = await conn.fetchval(sql.USER_BY_EMAIL, org_id, record.email)
            if found is not None:
                target = str(found)
            else:
                target = record.id
                if await conn.fetchval(sql.USER_ID_TAKEN, org_id, record.id):
                    target = str(uuid.uuid4())
                await conn.execute(
                    sql.INSERT_USER,
                    org_id,
                    target,
                    record.email,
                    record.name,
                    record.handle,
                    record.active,
                    r.to_us(record.created_at),
                )
                counts.users += 1
            self.users[record.id] = target
            self.remap = self.remap or target != record.id
        elif isinstance(record, r.CaseType):
            if not await conn.fetchval(sql.CASE_TYPE_EXISTS, org_id, record.id):
                await conn.execute(
                    sql.INSERT_CASE_TYPE,
                    org_id,
                    record.id,
                    record.name,
                    record.description,
                    record.emoji,
                    r.to_us(record.created_at),
                    r.to_us_opt(record.modified_at),
                    r.to_us_opt(record.deleted_at),
                )
                counts.case_types += 1
            self.types.add(record.id)
        elif isinstance(record, r.CustomAttribute):
            if record.case_type_id not in self.types:
                raise Bad(f"case_type_id: unknown case type {record.case_type_id}")
            if not await conn.fetchval(
                sql.CUSTOM_ATTRIBUTE_EXISTS, org_id, record.id, record.case_type_id, record.key
            ):
                await conn.execute(
                    sql.INSERT_CUSTOM_ATTRIBUTE,
                    org_id,
                    record.id,
                    record.case_type_id,
                    record.key,
                    record.display_name,
                    record.description,
                    record.type,
                    record.is_multi,
                    _encode(record.type_data).decode(),
                    record.map_from,
                    r.to_us(record.created_at),
                    r.to_us_opt(record.modified_at),
                )
                counts.custom_attributes += 1
        elif isinstance(record, r.Project):
            created_by = self._user(record.created_by, "created_by")
            if record.id in self.projects:
                await conn.execute(sql.RAISE_PROJECT_SEQ, org_id, record.id, record.case_seq)
                return
            other = await conn.fetchval(sql.PROJECT_BY_KEY, org_id, record.key)
            if other is not None:
                raise Bad(f"key: project key {record.key} is used by another project ({other})")
            await conn.execute(
                sql.INSERT_PROJECT,
                org_id,
                record.id,
                record.key,
                record.name,
                _encode(record.enabled_custom_case_types).decode(),
                r.to_us(record.created_at),
                created_by,
                r.to_us_opt(record.modified_at),
                record.case_seq,
            )
            self.projects[record.id] = record.key
            self.project_ids[record.key] = record.id
            counts.projects += 1

    async def _commit(
        self, batch: list[T], write: Callable[[Connection, list[T]], Awaitable[_Outcome]]
    ) -> bool:
        """Write a batch in one transaction; True when a bad record stops the import.

        A database error (a constraint the checks did not foresee, a row changed meanwhile)
        rolls the batch back; it is then written again one record per transaction, so that
        the one record at fault is reported, with the database's reason, and no other."""
        saved = self._save()
        try:
            async with self.db.transaction() as conn:
                outcome = await write(conn, batch)
        except Exception as exc:
            if not _record_error(exc):
                raise
            self._restore(saved)
            if len(batch) > 1:
                for item in batch:
                    if await self._commit([item], write):
                        return True
                return False
            only = batch[0]
            reason = f"the database refused it: {type(exc).__name__}: {exc}"
            outcome = _Outcome(Counts(), [(only.line, only.label, reason)], not self.skip_invalid)
        self.counts.add(outcome.counts)
        await self._refresh_statistics(outcome.counts)
        for line, label, reason in outcome.bad:
            self._report(line, label, reason)
        if outcome.stopped:
            self.stopped_at = outcome.bad[-1][0]
        return outcome.stopped

    async def _refresh_statistics(self, counts: Counts) -> None:
        """On PostgreSQL, ANALYZE the case tables each time the import has doubled its rows."""
        self.written += counts.cases + counts.insights + counts.events
        if self.db.engine != "postgresql" or self.written < self.analyze_at:
            return
        self.analyze_at = 2 * self.written
        async with self.db.transaction() as conn:
            await conn.execute(sql.ANALYZE_CASES)

    async def flush(self) -> bool:
        """Write what is pending; True when a bad record stops the import."""
        if self.cases:
            cases, self.cases, self.case_rows = self.cases, [], 0
            return await self._commit(cases, self._write_cases)
        if self.others:
            others, self.others = self.others, []
            return await self._commit(others, self._write_others)
        return False

    def _report(self, line: int, label: str | None, reason: str) -> None:
        self.progress.note(f"line {line}: {label}: {reason}" if label else f"line {line}: {reason}")
        if self.skip_invalid:
            self.counts.invalid += 1

    # -- reading

    def _header(self, line: int, raw: bytes) -> None:
        expected = _encode(r.Header(format=r.FORMAT, version=r.VERSION)).decode()
        try:
            header = r.header_decoder.decode(raw)
        except msgspec.DecodeError:
            header = None
        if header is None or header.format != r.FORMAT:
            raise _Fatal(f"line {line}: not an opencase export (its first line must be {expected})")
        if not 1 <= header.version <= r.VERSION:
            raise _Fatal(
                f"line {line}: format version {header.version}; this opencase reads version"
                f" {r.VERSION}"
            )

    async def _take(self, line: int, raw: bytes) -> None:
        """Check one record and queue it (Bad when it cannot be imported)."""
        record = decode(raw)
        label = _label(record)
        try:
            if isinstance(record, r.Header):
                raise Bad("the header may only be the first line")
            if isinstance(record, r.Org):
                if self.org_id is not None:
                    raise Bad("the org record may only be the line after the header")
                await self._ensure_org(record)
                return
            if self.org_id is None:
                await self._ensure_org(None)
            if isinstance(record, r.Case):
                if self.others and await self.flush():
                    return
                case = self._prepare(line, label, record)
                self.cases.append(case)
                self.case_rows += case.rows
                if len(self.cases) >= BATCH_CASES or self.case_rows >= BATCH_ROWS:
                    await self.flush()
                return
            if self.cases and await self.flush():
                return
            if isinstance(record, r.Project) and record.key == "CASE":
                raise Bad('key: a project key cannot be "CASE"')
            self.others.append(_Other(line, label, record))
            if len(self.others) >= BATCH_OTHERS:
                await self.flush()
        except Bad as bad:
            bad.label = bad.label or label
            raise

    async def run(self, lines: Iterable[bytes], size: int | None) -> int:
        """Import every line; the exit status (0 done, 1 stopped at a bad record)."""
        if not self.org_name.strip():
            raise InvalidInput("organisation name must not be empty")
        self.progress.start(verb="import", total=size)
        done, header = 0, False
        line = 0
        for line, raw in enumerate(lines, start=1):
            done += len(raw)
            if not raw.strip():
                continue
            if not header:
                self._header(line, raw)
                header = True
                continue
            try:
                await self._take(line, raw)
            except Bad as bad:
                if await self.flush():
                    break
                self._report(line, bad.label, bad.reason)
                if not self.skip_invalid:
                    self.stopped_at = line
                    break
            if self.stopped_at is not None:
                break
            self.progress.update(done=done, counts=self.counts)
        else:
            if not header:
                raise _Fatal(f"line {line + 1}: empty input, not an opencase export")
            if self.org_id is None:
                await self._ensure_org(None)
            await self.flush()
        if self.stopped_at is None:
            await self.db.optimize()
        return 0 if self.stopped_at is None else 1


def open_input(path: str) -> tuple[BinaryIO, int | None]:
    """The file to import (`-`: standard input) and its size when known."""
    try:
        handle: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        info = os.fstat(handle.fileno())
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportFailed(f"cannot read {path}: it is a directory")
    return handle, info.st_size if stat.S_ISREG(info.st_mode) else None


async def import_file(
    *,
    db: Database,
    org_name: str,
    source: BinaryIO,
    size: int | None,
    skip_invalid: bool,
    progress: Reporter,
) -> int:
    """Import an export into the organisation (created when missing); the exit status."""
    loader = Loader(db=db, org_name=org_name, skip_invalid=skip_invalid, progress=progress)
    try:
        try:
            status = await loader.run(source, size)
        except _Fatal as fatal:
            progress.close()
            progress.note(str(fatal))
            return 1
        except Exception as exc:
            if not (_database_error(exc) or isinstance(exc, OSError)):
                raise
            progress.close()
            progress.finish(summary("imported", loader.counts, progress.seconds))
            raise ImportFailed(f"the import failed ({type(exc).__name__}: {exc})") from None
    finally:
        progress.close()
    if loader.stopped_at is not None:
        progress.note(
            f"import stopped at line {loader.stopped_at}: the records before it are imported,"
            " nothing from it on (fix it, or pass --skip-invalid to skip bad records)"
        )
    progress.finish(summary("imported", loader.counts, progress.seconds))
    return status
