"""The README's walk-through runs as written against a live server, on both engines."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path

from conftest import Server

README = Path(__file__).resolve().parent.parent / "README.md"


def _walkthrough() -> str:
    text = README.read_text()
    section = text[text.index("## Walk-through") :]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the walk-through section has no bash block"
    return match[1]


def test_walkthrough_runs_and_shows_the_whole_timeline(server: Server) -> None:
    keys = server.create_keys(f"walk-{uuid.uuid4().hex[:8]}", "walker@example.test")
    env = {
        **os.environ,
        "OPENCASE_URL": server.base_url,
        "DD_API_KEY": keys.api_key,
        "DD_APP_KEY": keys.app_key,
    }
    run = subprocess.run(
        ["bash", "-c", _walkthrough()], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr + run.stdout
    lines = run.stdout.splitlines()
    assert lines[0] == "created WALK-1"
    kinds = [line.split()[1] for line in lines[1:]]
    assert kinds == [
        "CASE_CREATED",
        "CASE_PRIORITY_UPDATED",
        "CASE_STATUS_UPDATED",
        "CASE_ATTRIBUTES_UPDATED",
        "CASE_ASSIGNED",
        "COMMENT",
        "INSIGHTS_ADDED",
        "CASE_STATUS_UPDATED",
        "CASE_RESOLVED_REASON_UPDATED",
        "CASE_ARCHIVED",
    ]
