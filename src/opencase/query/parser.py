"""A hand-written lexer and recursive-descent parser: query text -> syntax tree.

Grammar (whitespace separates tokens; `AND`, `OR`, `NOT`, `TO` are upper case):

    query    := or_expr? EOF
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*          -- juxtaposition is AND
    unary    := ("NOT" | "-") unary | primary
    primary  := "(" or_expr ")" | "*" | FIELD ":" operand | "(" ... ")" | text
    operand  := value | (">" | ">=" | "<" | "<=") value
              | ("[" | "{") value "TO" value ("]" | "}")
              | "(" operand ("OR" operand)* ")"
    value    := '"' chars '"' | bare word (`*` is a wildcard, `\\` escapes the next character)
    FIELD    := a bare word right before `:` (`status`, `insight.type`, `custom.team`,
                `attributes.service/name`); built-in fields in any letter case, attribute
                keys as written

A `-` negates only at the start of a term (`-status:closed`); inside a word it is a letter
(`case-api`). Errors name the 0-based character position and what was expected there.
"""

from __future__ import annotations

from opencase.query.errors import QueryError
from opencase.query.syntax import (
    All,
    And,
    Compare,
    Match,
    Node,
    Not,
    Operand,
    Or,
    Range,
    Text,
    Value,
)

QUERY_MAX = 4096
DEPTH_MAX = 32
TERMS_MAX = 200  # values and words in one query (each becomes a condition in the SQL)
_STOP = set('()[]{}":')
_KEYWORDS = {"AND", "OR", "NOT", "TO"}


class Token:
    __slots__ = ("end", "kind", "position", "quoted", "text")

    def __init__(self, kind: str, text: str, position: int, end: int, quoted: bool = False) -> None:
        self.kind = kind  # "word", "op" (punctuation), "eof"
        self.text = text  # words keep `\\*` and `\\\\` escaped: see syntax.Value
        self.position = position
        self.end = end
        self.quoted = quoted

    def describe(self) -> str:
        if self.kind == "eof":
            return "the end of the query"
        return f'"{self.text}"' if self.quoted else repr(self.text)


def _escaped(ch: str) -> str:
    """An escaped character as a word keeps it: `*` and `\\` stay escaped, others are plain."""
    return "\\" + ch if ch in "*\\" else ch


def tokenize(text: str) -> list[Token]:
    """Words (bare or quoted), comparators and punctuation, each with its span."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            start, i, out = i, i + 1, []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                    out.append(_escaped(text[i]))
                else:
                    out.append(text[i])
                i += 1
            if i >= n:
                raise QueryError(
                    "unterminated quoted value, expected a closing '\"'", position=start
                )
            i += 1
            tokens.append(Token("word", "".join(out), start, i, quoted=True))
        elif ch in "><":
            op = ch + "=" if text.startswith("=", i + 1) else ch
            tokens.append(Token("op", op, i, i + len(op)))
            i += len(op)
        elif ch in "()[]{}:":
            tokens.append(Token("op", ch, i, i + 1))
            i += 1
        elif ch == "-" and _negates(tokens, text, i):
            tokens.append(Token("op", "-", i, i + 1))
            i += 1
        else:
            start, out = i, []
            while i < n and not text[i].isspace() and text[i] not in _STOP:
                if text[i] == "\\":
                    if i + 1 >= n:
                        raise QueryError("expected a character after '\\'", position=i)
                    i += 1
                    out.append(_escaped(text[i]))
                else:
                    out.append(text[i])
                i += 1
            tokens.append(Token("word", "".join(out), start, i))
    tokens.append(Token("eof", "", n, n))
    return tokens


def _negates(tokens: list[Token], text: str, i: int) -> bool:
    """A `-` negates when it starts a term, not inside a word or right after `:`, `>`, `[`…"""
    if not tokens:
        return True
    prev = tokens[-1]
    if prev.kind == "op" and prev.text in {":", ">", ">=", "<", "<=", "[", "{"}:
        return False
    if prev.kind == "word" and prev.text == "TO" and not prev.quoted:
        return False
    return text[i - 1].isspace() or text[i - 1] == "("


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.terms = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (text is None or tok.text == text) and not tok.quoted

    def keyword(self, word: str) -> bool:
        return self.at("word", word)

    def fail(self, expected: str) -> QueryError:
        return QueryError(
            f"expected {expected}, found {self.tok.describe()}", position=self.tok.position
        )

    def parse(self) -> Node:
        if self.at("eof"):
            return All()
        node = self.or_expr()
        if not self.at("eof"):
            raise self.fail("AND, OR or the end of the query")
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > DEPTH_MAX:
            raise QueryError(
                f"nested more than {DEPTH_MAX} levels deep", position=self.tok.position
            )

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.keyword("OR"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.unary()]
        while True:
            if self.keyword("AND"):
                self.take()
                items.append(self.unary())
            elif self.at("eof") or self.at("op", ")") or self.keyword("OR"):
                break
            else:
                items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        if self.keyword("NOT") or self.at("op", "-"):
            self.take()
            self.enter()
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if self.at("op", "("):
            self.take()
            self.enter()
            node = self.or_expr()
            self.depth -= 1
            if not self.at("op", ")"):
                raise self.fail("')'")
            self.take()
            return node
        if tok.kind != "word" or (not tok.quoted and tok.text in _KEYWORDS):
            raise self.fail('a term (a word, a "phrase" or field:value)')
        self.take()
        if not tok.quoted and self.at("op", ":") and self.tok.position == tok.end:
            if "\\" in tok.text:
                raise QueryError(f"invalid field name {tok.text!r}", position=tok.position)
            self.take()
            return Match(tok.text, self.operands(), tok.position)
        if not tok.quoted and tok.text == "*":
            return All()
        self.count(tok.position)
        return Text(Value(tok.text, tok.quoted, tok.position))

    def operands(self) -> tuple[Operand, ...]:
        if self.at("op", "("):
            self.take()
            items = [self.operand()]
            while self.keyword("OR"):
                self.take()
                items.append(self.operand())
            if not self.at("op", ")"):
                raise self.fail("OR or ')' in a list of values")
            self.take()
            return tuple(items)
        return (self.operand(),)

    def operand(self) -> Operand:
        tok = self.tok
        if tok.kind == "op" and tok.text in {">", ">=", "<", "<="}:
            self.take()
            return Compare(tok.text, self.value())
        if tok.kind == "op" and tok.text in {"[", "{"}:
            self.take()
            low = self.value()
            if not self.keyword("TO"):
                raise self.fail("TO in a range")
            self.take()
            high = self.value()
            if not (self.at("op", "]") or self.at("op", "}")):
                raise self.fail("']' or '}' closing the range")
            end = self.take()
            return Range(low, high, tok.text == "[", end.text == "]")
        return self.value()

    def count(self, position: int) -> None:
        self.terms += 1
        if self.terms > TERMS_MAX:
            raise QueryError(f"more than {TERMS_MAX} terms and values", position=position)

    def value(self) -> Value:
        tok = self.tok
        if tok.kind != "word" or (not tok.quoted and tok.text in _KEYWORDS):
            raise self.fail("a value")
        self.take()
        self.count(tok.position)
        text, end = tok.text, tok.end
        # A bare value may hold colons, as times do: `created_at:>2026-01-02T10:00:00Z`.
        while not tok.quoted and self.at("op", ":") and self.tok.position == end:
            colon = self.take()
            text, end = text + ":", colon.end
            if self.tok.kind == "word" and not self.tok.quoted and self.tok.position == end:
                word = self.take()
                text, end = text + word.text, word.end
        return Value(text, tok.quoted, tok.position)


def parse(text: str) -> Node:
    """The syntax tree of a query; QueryError names the position of the first problem."""
    if len(text) > QUERY_MAX:
        raise QueryError(f"the query is longer than {QUERY_MAX} characters", position=QUERY_MAX)
    return Parser(text).parse()
