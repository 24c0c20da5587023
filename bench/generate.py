"""Bulk test data for the search benchmarks: an organisation with 1,000,000 cases and 10,000,000
insights, loaded into SQLite or PostgreSQL through bulk paths.

    python bench/generate.py --engine sqlite --path /work/bench-data/opencase.db [--cases N]
    python bench/generate.py --engine postgresql --dsn postgresql://127.0.0.1/opencase_bench

Keep the data outside the repository. `--recreate` deletes the SQLite file (or drops and
creates the PostgreSQL database) first; without it an existing database is refused.

Phases, each timed (rows/s):
1. schema: opencase's own migrations (`core.migrate.upgrade`), so whatever the newest revision
   defines (indexes, search tables and their triggers) is in place before any case exists;
2. setup through opencase's services: the organisation, the benchmark user and its API +
   application key pair (`identity.create_keys`, as `opencase keys create`), 199 more users
   (`identity.create_user`, some with their own handles), 20 projects (`project.create_project`).
   Case types are the built-in ones (they live in code, `case_type/builtin.py`);
3. cases, with their `case_keys` row and one `case.created` event each, in creation order
   (public ids and per-project numbers follow `created_at`, gap-free);
4. insights: `position` 1..n per case, `cases.insight_count = insight_seq = n`, exactly what
   `insight/service.py` would leave after adding them;
5. finalise: `projects.case_seq` / `orgs.case_seq`, then SQLite back to WAL (statistics:
   `opencase serve` runs a sampled ANALYZE when it starts; `--analyze` runs a full one here)
   or PostgreSQL VACUUM ANALYZE (the state autovacuum reaches on its own);
6. verify: counts and the invariants above, checked by SQL.

SQLite: executemany in one transaction per batch, `synchronous=OFF`, an in-memory rollback
journal and foreign keys off during the load (the data is consistent by construction; phase 6
checks it). PostgreSQL: asyncpg `copy_records_to_table` (binary COPY), one transaction per
batch, `synchronous_commit=off` for the session. Database triggers (if a migration defines
any on `cases` or `case_insights`) fire on every row, on both paths: their cost is inside the
figures.

The data (seeded, `--seed`; the same seed gives the same ids on both engines):
- statuses 60% closed, 25% open, 15% in progress; priorities NOT_DEFINED 8%, P1 3%, P2 12%,
  P3 37%, P4 25%, P5 15%; created_at over two years, denser towards now; closed cases have
  closed_at, 8% of closed ones are archived; most cases have modified_at/modified_by;
- titles (3-10 words) and descriptions (40% empty, else 8-80 words) from a 3,000-word
  vocabulary with Zipf frequencies (s = 1): 23 English function words first (as in real
  text; opencase's full-text indexes keep them), then the domain's words ("error" is the most
  frequent of those: in 3% of titles, 11% of descriptions, 14% of cases), then made-up words;
- attributes {"service": [...], "team": [...], "env": [...]} (10% of cases have none),
  65% of cases assigned, 200 users;
- insights average 10 per case, skewed: 12% of cases have none, most a few, N/100,000 cases
  (at least 1) exactly 1,000 and N/10,000 between 100 and 999. Types from opencase's list
  (MONITOR 34%, SECURITY_SIGNAL 20%, ERROR_TRACKING 12%, INCIDENT 8%, ...); monitors and
  incidents are shared by many cases (Zipf over a pool), `MONITOR 12345` by exactly 7 cases;
  refs look like Datadog's (`/monitors/12345?from_ts=...`, `/security?event=...`).

Everything the benchmark needs (key pair, ids, the 1,000-insight case, the cases citing
monitor 12345, the most frequent words, the timings) goes to a JSON file next to the data
(`--info`, default `<path>.json` / `/work/bench-data/<dbname>.json`). It holds the secrets of
the benchmark's key pair: benchmark data only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from opencase.case_type.builtin import BUILTIN_TYPES
from opencase.core import migrate
from opencase.core.clock import now_us
from opencase.core.config import load_settings
from opencase.core.db import connect, open_sqlite, set_timestamp_codec
from opencase.identity import service as identity
from opencase.identity.models import DEFAULT_SCOPES, Principal
from opencase.insight.models import TYPES as INSIGHT_TYPES
from opencase.project.service import create_project

DAY_US = 86_400 * 1_000_000
SPAN_DAYS = 730
BENCH_USER = "bench@bench.test"
ORG_NAME = "bench"
USERS = 200
MONITOR_12345_CASES = 7
BIG = 1000
ENCODE = msgspec.json.Encoder().encode

# --------------------------------------------------------------------------- vocabulary


def _split(text: str) -> list[str]:
    return text.split()


# The most frequent words first (their rank is their Zipf rank): English function words, as in
# real text (opencase's full-text indexes keep every word: FTS5 unicode61, PostgreSQL 'simple'),
# then the domain's words, then made-up ones up to the vocabulary size.
_STOP_WORDS = _split("""
the on in for of to a and is at from with after not by no all when was are be has an
""")
_WORDS = _split("""
error latency timeout database login failed service high memory disk cpu alert spike
connection request api queue deploy certificate expired payment checkout user access
unauthorized suspicious traffic network cluster node pod kubernetes container restart crash
exception null pointer slow response degraded outage incident monitor threshold breach
storage bucket public exposure credential leak token rotation password reset brute force
attack scan vulnerability patch upgrade version rollback release pipeline build test flaky
cache miss redis postgres mysql kafka consumer lag producer throughput replication primary
replica failover dns resolution load balancer gateway proxy nginx ingress egress firewall
rule policy violation compliance audit finding misconfigured iam role permission escalation
privilege root shell command injection sql xss csrf header cookie session expiry refresh
oauth saml sso mfa phishing email spam malware ransomware endpoint agent host instance
region zone availability quota limit throttling rate budget cost anomaly forecast billing
invoice customer ticket escalated support sla breach page oncall rotation handoff runbook
postmortem root-cause mitigation workaround hotfix regression feature flag experiment
rollout canary blue green migration schema index lock deadlock query plan vacuum bloat
backup restore snapshot retention archive log ingestion parsing pipeline metric trace span
profiling heap garbage collection thread pool saturation backlog retry dead letter webhook
callback integration jira servicenow notebook dashboard widget synthetic browser mobile
android ios crashlytics frontend backend worker cron job scheduler batch etl warehouse
spark airflow dag task stuck pending terminated evicted oom killed liveness readiness probe
healthcheck certificate-expiry tls handshake cipher deprecated legacy cleanup
""")

_SYLLABLES = _split(
    "ka ri to mo ne su la vi po de an el or un ix ba ce fo gu hi ja ke lu ma no pe qu ra se "
    "ti vo wa xe yo zu bri cla dro fen gor har jun kel lom mar nix orb pax qin rux sol tev "
    "ulm vex wyn zar"
)


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(dict.fromkeys(_STOP_WORDS + _WORDS))
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if len(w) >= 4 and w not in seen:
            seen.add(w)
            words.append(w)
    return words


def zipf_cum(n: int, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (r**s) for r in range(1, n + 1)))


def weighted(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [v for v, _ in pairs]
    return values, list(itertools.accumulate(w for _, w in pairs))


# --------------------------------------------------------------------------- the data

PROJECTS = [
    ("SEC", "Security"),
    ("OPS", "Operations"),
    ("INFRA", "Infrastructure"),
    ("PAY", "Payments"),
    ("WEB", "Web"),
    ("MOB", "Mobile"),
    ("DATA", "Data Platform"),
    ("ML", "Machine Learning"),
    ("NET", "Network"),
    ("DB", "Databases"),
    ("API", "Public API"),
    ("AUTH", "Identity"),
    ("SRE", "Site Reliability"),
    ("QA", "Quality"),
    ("CORE", "Core Services"),
    ("EDGE", "Edge"),
    ("SUP", "Customer Support"),
    ("FIN", "Finance"),
    ("HR", "People"),
    ("IT", "Corporate IT"),
]
STATUSES = weighted([((2, "Closed"), 0.60), ((0, "Open"), 0.25), ((1, "In Progress"), 0.15)])
PRIORITY = weighted([(0, 0.08), (1, 0.03), (2, 0.12), (3, 0.37), (4, 0.25), (5, 0.15)])
TYPE_IDS = {t.name: t.id for t in BUILTIN_TYPES}
CASE_TYPES = weighted(
    [
        (TYPE_IDS["Standard"], 0.50),
        (TYPE_IDS["Event Management"], 0.28),
        (TYPE_IDS["Error Tracking"], 0.12),
        (TYPE_IDS["Change Request"], 0.06),
        (TYPE_IDS["Security"], 0.04),
    ]
)
INSIGHT_MIX = weighted(
    [
        ("MONITOR", 0.34),
        ("SECURITY_SIGNAL", 0.20),
        ("ERROR_TRACKING", 0.12),
        ("INCIDENT", 0.08),
        ("EVENT", 0.06),
        ("EVENT_CORRELATION", 0.04),
        ("WATCHDOG_STORY", 0.04),
        ("SECURITY_FINDING", 0.03),
        ("APM_RECOMMENDATION", 0.02),
        ("CLOUD_COST_RECOMMENDATION", 0.02),
        ("SENSITIVE_DATA_SCANNER_ISSUE", 0.01),
        ("WIDGET", 0.01),
        ("SCM_URL", 0.01),
        ("RESOURCE_POLICY", 0.01),
        ("INSIGHT_SCORECARD_CAMPAIGN", 0.005),
        ("PROFILING_DOWNSIZING_EXPERIMENT", 0.005),
    ]
)
assert set(INSIGHT_MIX[0]) == set(INSIGHT_TYPES), "insight types changed: update INSIGHT_MIX"
ENVS = weighted([("prod", 0.6), ("staging", 0.25), ("dev", 0.15)])
FIRST = _split("alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy")
LAST = _split("martin dubois smith garcia muller rossi tanaka kim silva novak")


@dataclass
class Plan:
    """Per-case values drawn before the load (cheap, 1M entries) so that phases 3 and 4 can
    run one after the other and still agree on every case."""

    ids: list[str]
    created: list[int]
    counts: list[int]
    heavy: list[int]  # indices of the cases with exactly BIG insights
    m12345: set[int]
    ends: list[int] = field(default_factory=list)  # last change of each case


def plan_cases(n: int, avg: float, rng: random.Random, now: int) -> Plan:
    start = now - SPAN_DAYS * DAY_US
    span = now - start - DAY_US  # the newest case is a day old
    # Density grows towards now (sqrt of uniform); distinct microsecond timestamps.
    raw = sorted(start + int(span * math.sqrt(rng.random())) for _ in range(n))
    created: list[int] = []
    prev = 0
    for t in raw:
        prev = max(prev + 1, t)
        created.append(prev)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]

    n_heavy = max(1, n // 100_000)
    n_large = n // 10_000
    picked = rng.sample(range(n), n_heavy + n_large + MONITOR_12345_CASES)
    heavy = picked[:n_heavy]
    large = picked[n_heavy : n_heavy + n_large]
    m12345 = set(picked[n_heavy + n_large :])
    counts = [0] * n
    for i in heavy:
        counts[i] = BIG
    for i in large:
        counts[i] = rng.randint(100, 999)
    fixed = set(heavy) | set(large)
    rest = [i for i in range(n) if i not in fixed]
    total = round(avg * n)
    remaining = max(0, total - sum(counts))
    # 12% of the other cases have none; the rest a log-normal count (1..99), then nudged
    # one by one to the exact total.
    mean_nonzero = remaining / max(1, len(rest)) / 0.88
    mu = math.log(max(mean_nonzero, 1.0)) - 0.5 * 1.1**2
    for i in rest:
        if i in m12345:
            counts[i] = max(2, min(99, round(rng.lognormvariate(mu, 1.1))))
        elif rng.random() >= 0.12:
            counts[i] = max(1, min(99, round(rng.lognormvariate(mu, 1.1))))
    diff = total - sum(counts)
    guard = 0
    while diff != 0 and rest and guard < 100 * n:
        guard += 1
        i = rest[rng.randrange(len(rest))]
        c = counts[i]
        if diff > 0 and 0 < c < 99:
            counts[i] = c + 1
            diff -= 1
        elif diff < 0 and c > (2 if i in m12345 else 1):
            counts[i] = c - 1
            diff += 1
    return Plan(ids=ids, created=created, counts=counts, heavy=heavy, m12345=m12345)


class Generator:
    def __init__(
        self, seed: int, org_id: str, users: list[str], projects: list[tuple[str, str]], now: int
    ) -> None:
        self.rng = random.Random(seed + 1)
        self.org_id = org_id
        self.users = users
        self.user_cum = zipf_cum(len(users), 0.7)
        self.projects = projects  # (id, key), Zipf-weighted: a few big projects
        self.project_cum = zipf_cum(len(projects), 0.8)
        self.project_seq = [0] * len(projects)
        self.public_id = 0
        self.now = now
        self.words = vocabulary(3000, random.Random(seed + 2))
        self.word_cum = zipf_cum(len(self.words), 1.0)
        content = self.words[len(_STOP_WORDS) :]
        self.services = [f"{a}-{b}" for a in content[40:70] for b in ("api", "worker", "db")]
        self.service_cum = zipf_cum(len(self.services), 1.0)
        self.teams = [f"team-{w}" for w in content[100:140]]
        self.team_cum = zipf_cum(len(self.teams), 0.8)
        r = random.Random(seed + 3)
        pool = r.sample(range(1000, 9_999_999), 60_000)
        self.monitors = [str(m) for m in pool if m != 12345]
        self.monitor_cum = zipf_cum(len(self.monitors), 1.0)
        self.incidents = [str(i) for i in range(1, 30_001)]
        self.incident_cum = zipf_cum(len(self.incidents), 1.1)
        self.issues = [str(uuid.UUID(int=r.getrandbits(128))) for _ in range(100_000)]
        self.issue_cum = zipf_cum(len(self.issues), 1.0)

    # ---- cases

    def cases(self, plan: Plan, lo: int, hi: int) -> tuple[list[tuple[Any, ...]], ...]:
        """Rows of cases, case_keys and case_events for plan indices [lo, hi)."""
        rng, org = self.rng, self.org_id
        rand, choices = rng.random, rng.choices
        k = hi - lo
        users = self.users
        user_pick = choices(users, cum_weights=self.user_cum, k=4 * k)
        proj_pick = choices(range(len(self.projects)), cum_weights=self.project_cum, k=k)
        title_len = [rng.randint(3, 10) for _ in range(k)]
        desc_len = [0 if rand() < 0.4 else rng.randint(8, 80) for _ in range(k)]
        words = choices(self.words, cum_weights=self.word_cum, k=sum(title_len) + sum(desc_len))
        statuses = choices(STATUSES[0], cum_weights=STATUSES[1], k=k)
        priorities = choices(PRIORITY[0], cum_weights=PRIORITY[1], k=k)
        types = choices(CASE_TYPES[0], cum_weights=CASE_TYPES[1], k=k)
        cases, keys, events = [], [], []
        w = 0
        for j in range(k):
            i = lo + j
            case_id = plan.ids[i]
            created = plan.created[i]
            p = proj_pick[j]
            project_id, project_key = self.projects[p]
            self.project_seq[p] += 1
            number = self.project_seq[p]
            self.public_id += 1
            key = f"{project_key}-{number}"
            tl, dl = title_len[j], desc_len[j]
            title = " ".join(words[w : w + tl]).capitalize()
            w += tl
            description = " ".join(words[w : w + dl])
            w += dl
            status, status_name = statuses[j]
            priority = priorities[j]
            type_id = TYPE_IDS["Security"] if project_key == "SEC" else types[j]
            creator, modifier, assignee_pick = user_pick[4 * j : 4 * j + 3]
            assignee = assignee_pick if rand() < 0.65 else None
            attributes: dict[str, list[str]] = {}
            if rand() >= 0.10:
                n_services = 1 if rand() < 0.8 else 2
                services = choices(self.services, cum_weights=self.service_cum, k=n_services)
                attributes = {
                    "service": list(dict.fromkeys(services)),
                    "team": choices(self.teams, cum_weights=self.team_cum, k=1),
                    "env": choices(ENVS[0], cum_weights=ENVS[1], k=1),
                }
            # The case's life: closed after ~3 days, worked on for ~1 day, or opened and
            # maybe touched; never after now.
            limit = self.now - 1
            closed_at = archived_at = modified_at = None
            resolved_reason = None
            if status == 2:
                closed_at = min(limit, created + int(rng.expovariate(1 / 3) * DAY_US) + 1)
                end = closed_at
                if created < self.now - 30 * DAY_US and rand() < 0.08:
                    archived_at = min(limit, closed_at + int(rng.expovariate(1 / 10) * DAY_US))
                    end = max(end, archived_at)
                if type_id == TYPE_IDS["Security"] and rand() < 0.5:
                    resolved_reason = rng.choice(
                        ("FALSE_POSITIVE", "TRUE_POSITIVE", "BENIGN_POSITIVE")
                    )
                modified_at = end
            elif status == 1 or plan.counts[i] > 0 or rand() < 0.5:
                modified_at = min(limit, created + int(rng.expovariate(1.0) * DAY_US) + 1)
            plan.ends[i] = modified_at or created
            due_date = None
            if rand() < 0.10:
                due_date = time.strftime(
                    "%Y-%m-%d", time.gmtime((created + rng.randint(1, 60) * DAY_US) // 10**6)
                )
            attributes_json = ENCODE(attributes).decode()
            cases.append(
                (
                    org,
                    case_id,
                    project_id,
                    number,
                    key,
                    self.public_id,
                    type_id,
                    title,
                    description,
                    priority,
                    status,
                    status_name,
                    attributes_json,
                    "{}",
                    "MANUAL",
                    assignee,
                    creator,
                    None if modified_at is None else modifier,
                    created,
                    modified_at,
                    closed_at,
                    archived_at,
                    due_date,
                    resolved_reason,
                    0,
                    plan.counts[i],
                    plan.counts[i],
                )
            )
            keys.append((org, key.upper(), case_id))
            details = {
                "key": key,
                "title": title,
                "priority": priority,
                "status_name": status_name,
                "type_id": type_id,
                "assignee_id": assignee,
            }
            events.append(
                (
                    org,
                    case_id,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    created,
                    creator,
                    "case.created",
                    ENCODE(details).decode(),
                )
            )
        return cases, keys, events

    # ---- insights

    def _resource(self, kind: str) -> tuple[str, str]:
        rng = self.rng
        if kind == "MONITOR":
            m = rng.choices(self.monitors, cum_weights=self.monitor_cum)[0]
            return m, f"/monitors/{m}?from_ts={rng.getrandbits(40)}&to_ts={rng.getrandbits(40)}"
        if kind == "SECURITY_SIGNAL":
            s = f"AAAAA{rng.getrandbits(96):024x}"
            return s, f"/security?event={s}&viz=stream"
        if kind == "INCIDENT":
            inc = rng.choices(self.incidents, cum_weights=self.incident_cum)[0]
            return inc, f"/incidents/{inc}"
        if kind == "ERROR_TRACKING":
            issue = rng.choices(self.issues, cum_weights=self.issue_cum)[0]
            return issue, f"/error-tracking/issue/{issue}"
        rid = f"{rng.getrandbits(64):016x}"
        return rid, f"/{kind.lower().replace('_', '-')}/{rid}"

    def insights(self, plan: Plan, lo: int, hi: int) -> Iterator[tuple[Any, ...]]:
        """Rows of case_insights for plan indices [lo, hi), each case's in position order."""
        rng, org = self.rng, self.org_id
        kinds, cum = INSIGHT_MIX
        users = self.users
        for i in range(lo, hi):
            n = plan.counts[i]
            if n == 0:
                continue
            case_id = plan.ids[i]
            created, end = plan.created[i], plan.ends[i]
            picked = rng.choices(kinds, cum_weights=cum, k=n)
            seen: set[tuple[str, str]] = set()
            items: list[tuple[str, str, str]] = []
            for kind in picked:
                rid, ref = self._resource(kind)
                if (kind, rid) in seen:  # shared pools can repeat within a case
                    rid = f"{rid}-{rng.getrandbits(32):08x}"
                    ref = f"{ref}#{rid}"
                seen.add((kind, rid))
                items.append((kind, rid, ref))
            if i in plan.m12345:
                items[rng.randrange(n)] = ("MONITOR", "12345", "/monitors/12345?q=total")
            step = max(1, (end - created) // (n + 1))
            who = users[rng.randrange(len(users))]
            for pos, (kind, rid, ref) in enumerate(items, start=1):
                yield (org, case_id, kind, rid, ref, pos, min(end, created + pos * step), who)

    def common_words(self, k: int = 20) -> list[str]:
        """The most frequent words that are not function words (free-text query material)."""
        return [w for w in self.words if w not in _STOP_WORDS][:k]


# --------------------------------------------------------------------------- loaders

CASE_COLUMNS = _split(
    "org_id id project_id number key public_id type_id title description priority status "
    "status_name attributes custom_attributes creation_source assignee_id created_by "
    "modified_by created_at modified_at closed_at archived_at due_date resolved_reason "
    "comment_count insight_count insight_seq"
)
KEY_COLUMNS = ["org_id", "key", "case_id"]
EVENT_COLUMNS = ["org_id", "case_id", "id", "created_at", "actor_id", "action", "details"]
INSIGHT_COLUMNS = _split("org_id case_id type resource_id ref position created_at created_by")


def _insert_sql(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


@dataclass
class Phase:
    name: str
    rows: int = 0
    seconds: float = 0.0  # wall time of the phase
    db_seconds: float = 0.0  # of it, inside the database calls (the rest is generation)

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds and self.rows else 0
        db = f"  db {self.db_seconds:8.1f} s" if self.db_seconds else ""
        rows = f"{self.rows:>12,} rows  {rate:>10,.0f} rows/s" if self.rows else " " * 35
        return f"  {self.name:<34} {self.seconds:8.1f} s  {rows}{db}"


class SQLiteLoader:
    def __init__(self, path: str) -> None:
        self.raw = open_sqlite(path, "OFF")
        self.raw.execute("PRAGMA foreign_keys=OFF")
        self.raw.execute("PRAGMA journal_mode=MEMORY")
        self.raw.execute("PRAGMA cache_size=-4000000")  # 4 GB while loading
        self.sql = {
            "cases": _insert_sql("cases", CASE_COLUMNS),
            "case_keys": _insert_sql("case_keys", KEY_COLUMNS),
            "case_events": _insert_sql("case_events", EVENT_COLUMNS),
            "case_insights": _insert_sql("case_insights", INSIGHT_COLUMNS),
        }

    async def load(self, batches: list[tuple[str, Any]]) -> dict[str, tuple[int, float]]:
        """One transaction: each (table, rows) in order. Returns rows and seconds per table."""
        out: dict[str, tuple[int, float]] = {}
        self.raw.execute("BEGIN")
        for table, rows in batches:
            if not isinstance(rows, list):
                rows = list(rows)
            t0 = time.perf_counter()
            self.raw.executemany(self.sql[table], rows)
            out[table] = (len(rows), time.perf_counter() - t0)
        t0 = time.perf_counter()
        self.raw.execute("COMMIT")
        last = batches[-1][0]
        n, s = out[last]
        out[last] = (n, s + time.perf_counter() - t0)
        return out

    async def execute(self, sql: str, *args: Any) -> None:
        self.raw.execute(sql.replace("$1", "?1").replace("$2", "?2").replace("$3", "?3"), args)

    async def scalar(self, sql: str, *args: Any) -> Any:
        return self.raw.execute(sql.replace("$1", "?1").replace("$2", "?2"), args).fetchone()[0]

    async def finish(self, analyze: bool) -> list[Phase]:
        phases = []
        t0 = time.perf_counter()
        self.raw.execute("PRAGMA journal_mode=WAL")
        self.raw.execute("PRAGMA foreign_keys=ON")
        phases.append(Phase("back to WAL", seconds=time.perf_counter() - t0))
        if analyze:
            t0 = time.perf_counter()
            self.raw.execute("ANALYZE")
            phases.append(Phase("ANALYZE", seconds=time.perf_counter() - t0))
        return phases

    async def close(self) -> None:
        self.raw.close()


class PGLoader:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.columns = {
            "cases": CASE_COLUMNS,
            "case_keys": KEY_COLUMNS,
            "case_events": EVENT_COLUMNS,
            "case_insights": INSIGHT_COLUMNS,
        }

    @classmethod
    async def open(cls, dsn: str) -> PGLoader:
        import asyncpg

        conn = await asyncpg.connect(dsn)
        # Timestamps as int µs, as opencase's own codec (core/db.py) in binary form, which COPY
        # needs; asyncpg's binary uuid encoder takes str as it is.
        await set_timestamp_codec(conn)
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '1GB'")
        return cls(conn)

    async def load(self, batches: list[tuple[str, Any]]) -> dict[str, tuple[int, float]]:
        out: dict[str, tuple[int, float]] = {}
        async with self.conn.transaction():
            for table, rows in batches:
                if not isinstance(rows, list):
                    rows = list(rows)
                t0 = time.perf_counter()
                await self.conn.copy_records_to_table(
                    table, records=rows, columns=self.columns[table]
                )
                out[table] = (len(rows), time.perf_counter() - t0)
        return out

    async def execute(self, sql: str, *args: Any) -> None:
        await self.conn.execute(sql, *args)

    async def scalar(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchval(sql, *args)

    async def finish(self, analyze: bool) -> list[Phase]:
        phases = []
        await self.conn.execute("CHECKPOINT")
        if analyze:
            t0 = time.perf_counter()
            await self.conn.execute("VACUUM (ANALYZE)")
            phases.append(Phase("VACUUM (ANALYZE)", seconds=time.perf_counter() - t0))
        return phases

    async def close(self) -> None:
        await self.conn.close()


# --------------------------------------------------------------------------- main


async def prepare_database(args: argparse.Namespace) -> str:
    """The database URL, after creating (or, with --recreate, recreating) the database."""
    if args.engine == "sqlite":
        path = Path(args.path).resolve()
        if path.is_relative_to(Path(__file__).resolve().parent.parent):
            raise SystemExit(f"{path} is inside the repository: keep bench data outside it")
        side = [Path(f"{path}{s}") for s in ("", "-wal", "-shm", "-journal", ".migrate.lock")]
        if path.exists():
            if not args.recreate:
                raise SystemExit(f"{path} exists (use --recreate to replace it)")
            for p in side:
                p.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    import asyncpg

    dsn = args.dsn
    base, _, dbname = dsn.rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", dbname)
        if exists and not args.recreate:
            raise SystemExit(f"database {dbname} exists (use --recreate to drop and recreate it)")
        if exists:
            await admin.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        await admin.close()
    return dsn


async def setup(url: str, seed: int) -> dict[str, Any]:
    """Organisation, users, key pair and projects, through opencase's own services."""
    os.environ["OPENCASE_DATABASE_URL"] = url
    settings = load_settings()
    db = await connect(settings)
    rng = random.Random(seed + 4)
    try:
        keys = await identity.create_keys(
            db=db, org_name=ORG_NAME, user_email=BENCH_USER, scopes=list(DEFAULT_SCOPES)
        )
        user_ids = [keys.user_id]
        for n in range(1, USERS):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}.{n}@bench.test"
            if n % 3 == 0:  # a third have a handle and name of their own
                user = await identity.create_user(
                    db=db,
                    org_name=ORG_NAME,
                    email=email,
                    name=f"{first.title()} {last.title()}",
                    handle=f"{first}{n}",
                )
            else:
                user = await identity.create_user(
                    db=db, org_name=ORG_NAME, email=email, name=None, handle=None
                )
            user_ids.append(user.id)
        who = Principal(org_id=keys.org_id, user_id=keys.user_id, scopes=frozenset(DEFAULT_SCOPES))
        projects = []
        for key, name in PROJECTS:
            p = await create_project(
                db=db, who=who, key=key, name=name, enabled_custom_case_types=[]
            )
            projects.append((p.id, p.key))
    finally:
        await db.close()
    return {"keys": keys, "users": user_ids, "projects": projects}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    phases: list[Phase] = []
    url = await prepare_database(args)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (other work on the machine)")
    print(
        f"opencase bench data: {args.cases:,} cases, ~{args.cases * args.insights:,.0f} "
        f"insights -> {args.engine} {url}",
        flush=True,
    )

    t0 = time.perf_counter()
    os.environ["OPENCASE_DATABASE_URL"] = url
    await migrate.upgrade(load_settings())
    phases.append(
        Phase(f"schema (migrations to {migrate.head_revision()})", seconds=time.perf_counter() - t0)
    )
    print(phases[-1].line(), flush=True)

    t0 = time.perf_counter()
    env = await setup(url, args.seed)
    keys = env["keys"]
    phases.append(
        Phase(
            f"setup (org, {USERS} users, keys, {len(PROJECTS)} projects)",
            seconds=time.perf_counter() - t0,
        )
    )
    print(phases[-1].line(), flush=True)

    now = now_us()
    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    plan = plan_cases(args.cases, args.insights, rng, now)
    plan.ends = [0] * args.cases
    phases.append(Phase("plan (ids, times, insight counts)", seconds=time.perf_counter() - t0))
    print(phases[-1].line(), flush=True)

    gen = Generator(args.seed, keys.org_id, env["users"], env["projects"], now)
    loader: SQLiteLoader | PGLoader
    if args.engine == "sqlite":
        loader = SQLiteLoader(url.removeprefix("sqlite:///"))
    else:
        loader = await PGLoader.open(url)
    try:
        # Phase 3: cases + keys + creation events
        per_table: dict[str, list[float]] = {}
        t0 = time.perf_counter()
        for lo in range(0, args.cases, args.batch):
            hi = min(args.cases, lo + args.batch)
            cases, case_keys, events = gen.cases(plan, lo, hi)
            batches: list[tuple[str, Any]] = [("cases", cases), ("case_keys", case_keys)]
            if args.events:
                batches.append(("case_events", events))
            for table, (n, s) in (await loader.load(batches)).items():
                acc = per_table.setdefault(table, [0, 0.0])
                acc[0] += n
                acc[1] += s
            if hi % (args.batch * 10) == 0 or hi == args.cases:
                el = time.perf_counter() - t0
                print(f"    cases {hi:>10,}  {el:7.1f} s  {hi / el:9,.0f} cases/s", flush=True)
        wall = time.perf_counter() - t0
        db_s = sum(s for _, s in per_table.values())
        phases.append(Phase("cases (+ keys, events)", args.cases, wall, db_s))
        for table, (n, s) in per_table.items():
            phases.append(Phase(f"  of it {table} (db time)", int(n), s))
        print(phases[-len(per_table) - 1].line(), flush=True)

        # Phase 4: insights, in chunks of about --insight-batch rows
        t0 = time.perf_counter()
        total_insights = 0
        db_s = 0.0
        lo = 0
        next_report = 1_000_000
        while lo < args.cases:
            hi, rows = lo, 0
            while hi < args.cases and rows < args.insight_batch:
                rows += plan.counts[hi]
                hi += 1
            done = await loader.load([("case_insights", list(gen.insights(plan, lo, hi)))])
            n, s = done["case_insights"]
            total_insights += n
            db_s += s
            lo = hi
            if total_insights >= next_report or lo == args.cases:
                next_report += 1_000_000
                el = time.perf_counter() - t0
                print(
                    f"    insights {total_insights:>12,}  {el:7.1f} s  "
                    f"{total_insights / el:9,.0f} rows/s",
                    flush=True,
                )
        phases.append(Phase("insights", total_insights, time.perf_counter() - t0, db_s))
        print(phases[-1].line(), flush=True)

        # Phase 5: counters, journal / statistics
        t0 = time.perf_counter()
        for (project_id, _), seq in zip(env["projects"], gen.project_seq, strict=True):
            await loader.execute(
                "UPDATE projects SET case_seq = $3 WHERE org_id = $1 AND id = $2",
                keys.org_id,
                project_id,
                seq,
            )
        await loader.execute(
            "UPDATE orgs SET case_seq = $2 WHERE id = $1", keys.org_id, gen.public_id
        )
        phases.append(Phase("counters (projects, org)", seconds=time.perf_counter() - t0))
        analyze = args.analyze if args.analyze is not None else args.engine == "postgresql"
        phases += await loader.finish(analyze)

        # Phase 6: verify
        t0 = time.perf_counter()
        checks = {
            "cases": await loader.scalar("SELECT count(*) FROM cases"),
            "case_keys": await loader.scalar("SELECT count(*) FROM case_keys"),
            "case_events": await loader.scalar("SELECT count(*) FROM case_events"),
            "case_insights": await loader.scalar("SELECT count(*) FROM case_insights"),
            "sum(insight_count)": await loader.scalar("SELECT sum(insight_count) FROM cases"),
            "cases with insight_seq <> insight_count": await loader.scalar(
                "SELECT count(*) FROM cases WHERE insight_seq <> insight_count"
            ),
            "cases whose max(position) <> insight_seq": await loader.scalar(
                "SELECT count(*) FROM (SELECT case_id, max(position) AS p, count(*) AS n"
                " FROM case_insights GROUP BY case_id) i JOIN cases c ON c.id = i.case_id"
                " WHERE i.p <> c.insight_seq OR i.n <> c.insight_count"
            ),
            "cases citing MONITOR 12345": await loader.scalar(
                "SELECT count(*) FROM case_insights WHERE org_id = $1 AND type = 'MONITOR'"
                " AND resource_id = '12345'",
                keys.org_id,
            ),
        }
        phases.append(Phase("verify", seconds=time.perf_counter() - t0))
    finally:
        await loader.close()

    ok = (
        checks["cases"] == args.cases == checks["case_keys"]
        and checks["case_insights"] == checks["sum(insight_count)"] == sum(plan.counts)
        and checks["cases with insight_seq <> insight_count"] == 0
        and checks["cases whose max(position) <> insight_seq"] == 0
        and checks["cases citing MONITOR 12345"] == MONITOR_12345_CASES
        and (not args.events or checks["case_events"] == args.cases)
    )
    big_i = plan.heavy[0]
    total = time.perf_counter() - started
    size = await _size(args.engine, url)
    info = {
        "engine": args.engine,
        "database_url": url,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seed": args.seed,
        "api_key": keys.api_key,
        "app_key": keys.app_key,
        "org_id": keys.org_id,
        "user_id": keys.user_id,
        "cases": args.cases,
        "insights": checks["case_insights"],
        "big_case": {"id": plan.ids[big_i], "insights": BIG},
        "heavy_cases": [plan.ids[i] for i in plan.heavy],
        "monitor_12345_cases": sorted(plan.ids[i] for i in plan.m12345),
        "common_words": gen.common_words(),
        "projects": [k for _, k in env["projects"]],
        "schema_revision": migrate.head_revision(),
        "migration_files": migration_hashes(),
        "checks": checks,
        "ok": ok,
        "size_bytes": size,
        "total_seconds": round(total, 1),
        "phases": [
            {
                "name": p.name,
                "rows": p.rows,
                "seconds": round(p.seconds, 2),
                "db_seconds": round(p.db_seconds, 2),
            }
            for p in phases
        ],
    }
    info_path = Path(args.info) if args.info else _default_info(args)
    info_path.write_text(json.dumps(info, indent=1) + "\n")

    print(f"\nphases ({args.engine}, {args.cases:,} cases, schema {migrate.head_revision()}):")
    for p in phases:
        print(p.line())
    print(f"  {'total':<34} {total:8.1f} s   database size {size / 2**30:.2f} GiB")
    print(f"  load average at the end: {os.getloadavg()[0]:.2f}")
    print("\nchecks:")
    for k, v in checks.items():
        print(f"  {k:<44} {v:>12,}")
    print(f"  -> {'OK' if ok else 'FAILED'}")
    print(f"\ncase with exactly {BIG} insights: {plan.ids[big_i]}")
    print(f"cases citing MONITOR 12345: {', '.join(sorted(plan.ids[i] for i in plan.m12345))}")
    print(f"most frequent words: {' '.join(gen.common_words(8))}")
    print(f"DD_API_KEY={keys.api_key}")
    print(f"DD_APP_KEY={keys.app_key}")
    print(f"(key pair, ids and timings written to {info_path})")
    if not ok:
        raise SystemExit(1)
    return info


def migration_hashes() -> dict[str, str]:
    """sha256 of each migration file: bench/search.py warns when one the data was loaded with
    changed since (newer files are applied by opencase itself when it starts)."""
    import hashlib

    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((migrate.MIGRATIONS / "versions").glob("*.py"))
    }


def load_info(engine: str, path: str | None, defaults: list[str]) -> dict[str, Any]:
    """The JSON this script wrote for `engine` (at `path`, else the first of `defaults` that
    exists), warning on standard error when a migration changed since the data was loaded."""
    if path is None:
        found = [d for d in defaults if Path(d).exists()]
        if not found:
            raise SystemExit(f"no {' or '.join(defaults)}: give --info")
        path = found[0]
    info: dict[str, Any] = json.loads(Path(path).read_text())
    if info["engine"] != engine:
        raise SystemExit(f"{path} describes a {info['engine']} database")
    now_files, then_files = migration_hashes(), info.get("migration_files", {})
    changed = sorted(n for n, h in then_files.items() if now_files.get(n) != h)
    if changed:
        print(
            f"WARNING: migrations {', '.join(changed)} changed since this data was generated: "
            "the database may not have the schema the code expects (regenerate it)",
            file=sys.stderr,
        )
    return info


def _default_info(args: argparse.Namespace) -> Path:
    if args.engine == "sqlite":
        return Path(f"{Path(args.path).resolve()}.json")
    return Path("/work/bench-data") / f"{args.dsn.rpartition('/')[2]}.json"


async def _size(engine: str, url: str) -> int:
    if engine == "sqlite":
        path = url.removeprefix("sqlite:///")
        return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await conn.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgresql"], required=True)
    p.add_argument("--path", default="/work/bench-data/opencase.db", help="SQLite file")
    p.add_argument(
        "--dsn", default="postgresql://127.0.0.1/opencase_bench", help="PostgreSQL database"
    )
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--insights", type=float, default=10.0, help="average insights per case")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=10_000, help="cases per transaction")
    p.add_argument("--insight-batch", type=int, default=200_000, help="insights per transaction")
    p.add_argument(
        "--no-events", dest="events", action="store_false", help="no case.created event per case"
    )
    p.add_argument(
        "--analyze",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="collect planner statistics at the end (default: PostgreSQL yes, via VACUUM "
        "ANALYZE as autovacuum would; SQLite no: `opencase serve` runs a sampled ANALYZE when "
        "it starts)",
    )
    p.add_argument("--recreate", action="store_true", help="replace an existing database")
    p.add_argument("--info", help="where to write the JSON with keys, ids and timings")
    args = p.parse_args()
    if args.cases < 1000:
        raise SystemExit("--cases must be at least 1000")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
