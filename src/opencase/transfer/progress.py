"""Progress of an export or import on stderr: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from typing import Any, TextIO

import msgspec

PLAIN_EVERY = 1000  # cases between two plain progress lines


class Counts(msgspec.Struct):
    """What an export wrote or an import added."""

    cases: int = 0
    insights: int = 0
    events: int = 0
    users: int = 0
    projects: int = 0
    case_types: int = 0
    custom_attributes: int = 0
    present: int = 0  # import: cases already in the database, left alone
    invalid: int = 0  # import: bad records skipped (--skip-invalid)

    def add(self, other: Counts) -> None:
        """Add another count to this one."""
        for field in self.__struct_fields__:
            setattr(self, field, getattr(self, field) + getattr(other, field))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def tally(counts: Counts) -> str:
    """`120 cases, 3,400 insights, 800 events`."""
    return ", ".join(
        (
            _plural(counts.cases, "case"),
            _plural(counts.insights, "insight"),
            _plural(counts.events, "event"),
        )
    )


def summary(verb: str, counts: Counts, seconds: float) -> str:
    """`imported 120 cases, 3,400 insights, 800 events in 1.2 s (2 projects, …)`."""
    counted = [
        _plural(n, word)
        for n, word in (
            (counts.projects, "project"),
            (counts.users, "user"),
            (counts.case_types, "case type"),
            (counts.custom_attributes, "custom attribute"),
        )
        if n
    ]
    extra = [", ".join(counted)] if counted else []
    if counts.present:
        extra.append(f"{_plural(counts.present, 'case')} already present")
    if counts.invalid:
        extra.append(f"{_plural(counts.invalid, 'invalid record')} skipped")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{verb} {tally(counts)} in {seconds:.1f} s{tail}"


class Reporter:
    """Plain progress lines: one every PLAIN_EVERY cases, and the summary at the end."""

    def __init__(self, stream: TextIO, every: int = PLAIN_EVERY) -> None:
        self.stream = stream
        self.every = every
        self.started = time.perf_counter()
        self._verb = ""
        self._total: int | None = None
        self._next = every

    def start(self, *, verb: str, total: int | None) -> None:
        """Begin: `total` is what `update` counts towards (cases, or bytes of input)."""
        self._verb, self._total = verb, total
        self.started = time.perf_counter()

    def update(self, *, done: int, counts: Counts) -> None:
        """`done` of the total so far; `counts` so far."""
        seen = counts.cases + counts.present
        if seen < self._next:
            return
        while self._next <= seen:
            self._next += self.every
        share = f" ({100 * done // self._total}%)" if self._total else ""
        self.note(f"{self._verb}: {tally(counts)}{share}")

    def note(self, text: str) -> None:
        """A line of its own (a bad record, a warning)."""
        print(text, file=self.stream, flush=True)

    def finish(self, text: str) -> None:
        """End with a last line."""
        self.close()
        self.note(text)

    def close(self) -> None:
        """Stop showing progress (idempotent; also after an error)."""

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


class BarReporter(Reporter):
    """A rich progress bar (terminals); notes print above it."""

    def __init__(self, stream: TextIO, *, force_terminal: bool = False) -> None:
        super().__init__(stream)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(file=stream, force_terminal=force_terminal or None, stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._task: Any = None

    def start(self, *, verb: str, total: int | None) -> None:
        super().start(verb=verb, total=total)
        self.bar.start()
        self._task = self.bar.add_task(verb, total=total, info="")

    def update(self, *, done: int, counts: Counts) -> None:
        self.bar.update(self._task, completed=done, info=tally(counts))

    def note(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        self.bar.stop()


def reporter(stream: TextIO, *, tty: bool | None = None) -> Reporter:
    """A bar when `stream` is a terminal (or `tty`), plain lines otherwise."""
    if tty is None:
        tty = stream.isatty()
    return BarReporter(stream, force_terminal=True) if tty else Reporter(stream)
