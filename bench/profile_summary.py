"""Summarise a py-spy `--format raw` (collapsed stacks) file, wall (`--idle`) or CPU.

    python bench/profile_summary.py bench/results/profile-sqlite.txt [--top 25]

Prints where the server's wall-clock time went (the server is one thread running one event
loop, so a share of wall time is a share of its capacity): the samples where no Python frame ran
(uvloop's C code: waiting in epoll, reading and writing sockets), then the rest split by leaf
frame (the function py-spy saw executing: time inside a C extension such as sqlite3, msgspec or
asyncpg's Cython protocol, including blocking system calls such as fsync, is charged to the
Python frame that called it), by package, and the opencase functions by inclusive time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# Leaf frames meaning "inside uvloop's C code" (epoll wait, socket I/O, callbacks in C).
_IDLE_LEAVES = {
    ("run_until_complete", "asyncio/base_events.py"),
    ("run", "asyncio/runners.py"),
    ("Runner.run", "asyncio/runners.py"),
    ("Server.serve", "uvicorn/server.py"),
    ("Server.main_loop", "uvicorn/server.py"),
    ("run", "uvicorn/server.py"),
    ("serve", "uvicorn/server.py"),
    ("main_loop", "uvicorn/server.py"),
    ("_serve", "uvicorn/server.py"),
    ("asyncio_run", "uvicorn/_compat.py"),
    ("run", "uvicorn/main.py"),
}


def _short(path: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python3.":
                path = path.split("/", 1)[1] if "/" in path else path
            break
    return path


def _parse_frame(text: str) -> tuple[str, str, str]:
    m = _FRAME.match(text.strip())
    if m is None:
        return text.strip(), "?", ""
    return m["func"], _short(m["file"]), m["line"] or ""


def _package(file: str) -> str:
    if file.startswith("opencase/"):
        return "/".join(file.split("/")[:2])
    head = file.split("/", 1)[0]
    return head.removesuffix(".py")


def summarise(path: Path, top: int = 25, cpu: bool = False) -> str:
    """`cpu`: the file was recorded without --idle (samples only while the thread ran)."""
    leaf_self: Counter[tuple[str, str]] = Counter()
    leaf_line: Counter[tuple[str, str, str]] = Counter()
    package_self: Counter[str] = Counter()
    inclusive: Counter[tuple[str, str]] = Counter()
    total = idle = 0
    for raw in path.read_text().splitlines():
        raw = raw.strip()
        if not raw:
            continue
        stack_text, _, count_text = raw.rpartition(" ")
        try:
            count = int(count_text)
        except ValueError:
            continue
        frames = [_parse_frame(f) for f in stack_text.split(";") if f]
        # py-spy prefixes the thread ("process 123:..." / "MainThread"): keep code frames only.
        frames = [f for f in frames if f[1] != "?"]
        total += count
        if not frames:
            idle += count
            continue
        func, file, line = frames[-1]
        if (func, file) in _IDLE_LEAVES:
            idle += count
            continue
        leaf_self[func, file] += count
        leaf_line[func, file, line] += count
        package_self[_package(file)] += count
        for key in {(f, fl) for f, fl, _ in frames if fl.startswith("opencase/")}:
            inclusive[key] += count
    if total == 0:
        return f"{path}: no samples"
    busy = total  # percentages below are of all (wall-clock) samples
    what = "CPU" if cpu else "wall"
    out = [
        f"profile {path.name}: {total} {what} samples; {100 * idle / total:.1f}% in uvloop's"
        " C code with no Python frame running (socket I/O, callbacks"
        + ("" if cpu else ", epoll wait")
        + ")",
        "",
        f"{what} time by package of the leaf frame:",
    ]
    for pkg, n in package_self.most_common(12):
        out.append(f"  {100 * n / busy:5.1f}%  {pkg}")
    out += ["", f"top {top} leaf functions (self time; C calls charged to their Python caller):"]
    for (func, file), n in leaf_self.most_common(top):
        lines = [(ln, c) for (f2, fl2, ln), c in leaf_line.items() if (f2, fl2) == (func, file)]
        lines.sort(key=lambda x: -x[1])
        hot = ", ".join(f"L{ln} {100 * c / busy:.1f}%" for ln, c in lines[:3] if ln)
        out.append(f"  {100 * n / busy:5.1f}%  {func} ({file})  [{hot}]")
    out += ["", f"opencase functions by inclusive {what} time:"]
    for (func, file), n in inclusive.most_common(15):
        out.append(f"  {100 * n / busy:5.1f}%  {func} ({file})")
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("file", type=Path)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--cpu", action="store_true", help="recorded without --idle")
    args = p.parse_args()
    print(summarise(args.file, args.top, args.cpu or "-cpu" in args.file.name))


if __name__ == "__main__":
    main()
