"""A resolved query as a SQL condition over `cases c`, for SQLite or PostgreSQL.

Arguments are numbered `$n` and `$1` is always the organisation: every subquery repeats
`org_id = $1`, so another organisation's rows never match, and every lookup goes through an
index that leads with org_id. Each condition is TRUE or FALSE, never NULL, so NOT is exact.
Text is compared in code-point order (PostgreSQL columns compared by range use COLLATE "C"),
which makes `prefix*` a range scan: prefix <= value < the prefix with its last character
incremented.
"""

from __future__ import annotations

from opencase.query import plan as p

REF_INDEXED = 256  # insights' refs are indexed by their first 256 characters


def next_prefix(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with prefix."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


class SqlBuilder:
    def __init__(self, engine: str, org_id: str, common: frozenset[str] = frozenset()) -> None:
        self.engine = engine
        self.args: list[object] = [org_id]
        self.common = common  # SQLite full-text queries that match many cases
        self.fts_queries: list[str] = []  # the SQLite full-text queries built

    def arg(self, value: object) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def build(self, node: p.Plan) -> str:
        if isinstance(node, p.Everything):
            return "1 = 1"
        if isinstance(node, p.Nothing):
            return "1 = 0"
        if isinstance(node, p.AllOf):
            items = list(node.items)
            conds = []
            texts = [i for i in items if isinstance(i, p.TextMatch)]
            if len(texts) > 1:
                # One full-text query for all the words: the index intersects them itself.
                if self.engine == "sqlite":
                    conds.append(self.fts(" ".join(_fts_phrase(t) for t in texts)))
                else:
                    conds.append(self.tsquery(" & ".join(f"({_ts_phrase(t)})" for t in texts)))
                items = [i for i in items if not isinstance(i, p.TextMatch)]
            conds += [self.build(i) for i in items]
            return "(" + " AND ".join(conds) + ")"
        if isinstance(node, p.AnyOf):
            return "(" + " OR ".join(self.build(i) for i in node.items) + ")"
        if isinstance(node, p.Negate):
            return f"NOT {self.build(node.item)}"
        if isinstance(node, p.ColumnIn):
            values = ", ".join(self.arg(v) for v in node.values)
            cond = f"c.{node.column} IN ({values})"
            if node.column == "assignee_id":
                cond = f"(c.assignee_id IS NOT NULL AND {cond})"
            return cond
        if isinstance(node, p.ColumnSet):
            return f"c.{node.column} IS NOT NULL"
        if isinstance(node, p.TimeRange):
            col = "c.created_at" if node.column == "created_at" else _MODIFIED
            parts = []
            if node.low is not None:
                parts.append(f"{col} >= {self.arg(node.low)}")
            if node.high is not None:
                parts.append(f"{col} < {self.arg(node.high)}")
            return "(" + " AND ".join(parts) + ")" if parts else "1 = 1"
        if isinstance(node, p.KeyMatch):
            cond = self.any_pattern("k.key", node.patterns)
            return f"c.id IN (SELECT k.case_id FROM case_keys k WHERE k.org_id = $1 AND {cond})"
        if isinstance(node, p.FieldMatch):
            return self.field(node)
        if isinstance(node, p.InsightMatch):
            conds = [self.insight_term(t) for t in node.terms]
            return (
                "c.id IN (SELECT i.case_id FROM case_insights i WHERE i.org_id = $1 AND "
                + " AND ".join(conds)
                + ")"
            )
        return self.text(node)

    # -- text patterns

    def pattern(self, col: str, pattern: p.Pattern) -> str:
        exact = pattern.exact
        if exact is not None:
            return f"{col} = {self.arg(exact)}"
        head = pattern.pieces[0]
        parts = []
        if head:
            parts.append(f"{col} >= {self.arg(head)}")
            upper = next_prefix(head)
            if upper is not None:
                parts.append(f"{col} < {self.arg(upper)}")
        if pattern.prefix is None:  # more than a prefix: match the whole pattern too
            if self.engine == "sqlite":
                glob = "*".join(_glob_escape(x) for x in pattern.pieces)
                parts.append(f"{col} GLOB {self.arg(glob)}")
            else:
                like = "%".join(_like_escape(x) for x in pattern.pieces)
                parts.append(f"{col} LIKE {self.arg(like)}")
        elif not head:
            parts.append(f"{col} IS NOT NULL")
        return "(" + " AND ".join(parts) + ")"

    def any_pattern(self, col: str, patterns: tuple[p.Pattern, ...]) -> str:
        conds = [self.pattern(col, x) for x in patterns]
        return conds[0] if len(conds) == 1 else "(" + " OR ".join(conds) + ")"

    def field(self, node: p.FieldMatch) -> str:
        conds: list[str] = []
        # field:* (alone or among other values): the field has any value, nothing more.
        if not any(x.pieces == ("", "") for x in node.patterns):
            conds = [self.pattern("f.folded", x) for x in node.patterns]
            for r in node.numbers:
                parts = ["f.number IS NOT NULL"]
                if r.low is not None:
                    op = ">=" if r.low_inclusive else ">"
                    parts.append(f"f.number {op} {self.arg(r.low)}")
                if r.high is not None:
                    op = "<=" if r.high_inclusive else "<"
                    parts.append(f"f.number {op} {self.arg(r.high)}")
                conds.append("(" + " AND ".join(parts) + ")")
        match = "" if not conds else " AND (" + " OR ".join(conds) + ")"
        return (
            "c.id IN (SELECT f.case_id FROM case_fields f WHERE f.org_id = $1"
            f" AND f.field = {self.arg(node.field)}{match})"
        )

    def insight_term(self, term: p.InsightTerm) -> str:
        if term.column != "ref":
            return self.any_pattern(f"i.{term.column}", term.patterns)
        conds = []
        for x in term.patterns:
            # The index holds the first REF_INDEXED characters; match those, then the whole.
            short = p.Pattern(
                (x.pieces[0][:REF_INDEXED], "")
                if x.exact is None or len(x.pieces[0]) >= REF_INDEXED
                else x.pieces
            )
            cond = self.pattern(f"substr(i.ref, 1, {REF_INDEXED})", short)
            if short != x:
                cond = f"({cond} AND {self.pattern('i.ref', x)})"
            conds.append(cond)
        return conds[0] if len(conds) == 1 else "(" + " OR ".join(conds) + ")"

    # -- free text

    def text(self, node: p.TextMatch) -> str:
        if self.engine == "sqlite":
            return self.fts(_fts_phrase(node))
        return self.tsquery(_ts_phrase(node))

    def tsquery(self, query: str) -> str:
        """PostgreSQL: cases whose stored vector (title A, description B) matches."""
        return f"c.search_vector @@ to_tsquery('simple', {self.arg(query)})"

    def fts(self, query: str) -> str:
        """SQLite: cases whose title or description match an FTS5 query."""
        self.fts_queries.append(query)
        q = self.arg(query)
        if query in self.common:
            # Many cases match: let the page walk cases in order and test each against the
            # set of matching rows (a page then reads a few dozen cases, not every match).
            return (
                "EXISTS (SELECT 1 FROM case_search_rows r WHERE r.org_id = c.org_id"
                " AND r.case_id = c.id AND r.rowid IN"
                f" (SELECT rowid FROM case_search WHERE case_search MATCH {q}))"
            )
        # CROSS JOIN keeps this order: the full-text index drives, the org filters.
        return (
            "c.id IN (SELECT r.case_id FROM case_search"
            " CROSS JOIN case_search_rows r ON r.rowid = case_search.rowid"
            f" WHERE case_search MATCH {q} AND r.org_id = $1)"
        )


def _ts_phrase(node: p.TextMatch) -> str:
    """A tsquery: a word (`w`, `w:*`) anywhere, or a phrase within the title (weight A) or
    within the description (weight B), never across the two."""
    if len(node.words) == 1:
        return node.words[0] + (":*" if node.prefix else "")

    def within(weight: str) -> str:
        last = len(node.words) - 1
        return " <-> ".join(
            f"{w}:{'*' if node.prefix and i == last else ''}{weight}"
            for i, w in enumerate(node.words)
        )

    return f"({within('A')}) | ({within('B')})"


def _fts_phrase(node: p.TextMatch) -> str:
    return '"' + " ".join(node.words) + '"' + ("*" if node.prefix else "")


_MODIFIED = "coalesce(c.modified_at, c.created_at)"


def _glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def to_sql(
    node: p.Plan, *, engine: str, org_id: str, common: frozenset[str] = frozenset()
) -> tuple[str, list[object], list[str]]:
    """The condition over `cases c`, its arguments ($1 is org_id) and the SQLite full-text
    queries in it (those in `common` are written for walking cases in order)."""
    builder = SqlBuilder(engine, org_id, common)
    return builder.build(node), builder.args, builder.fts_queries


def text_only_count(
    node: p.Plan, *, engine: str, org_id: str, cap: int | None = None
) -> tuple[str, list[object]] | None:
    """SQLite: when the query is only free text, its count read from the full-text index and
    the row map alone, without visiting the cases, stopping at `cap` when given (None
    otherwise)."""
    texts = node.items if isinstance(node, p.AllOf) else (node,)
    if engine != "sqlite" or not all(isinstance(t, p.TextMatch) for t in texts):
        return None
    query = " ".join(_fts_phrase(t) for t in texts if isinstance(t, p.TextMatch))
    matches = (
        "FROM case_search CROSS JOIN case_search_rows r ON r.rowid = case_search.rowid"
        " WHERE case_search MATCH $2 AND r.org_id = $1"
    )
    if cap is not None:
        return f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT $3) AS upto", [org_id, query, cap]
    return f"SELECT count(*) {matches}", [org_id, query]
