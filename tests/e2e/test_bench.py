"""The benchmark's smoke mode against the running stack: it drives a whole
registration and prints a table of real figures (numbers are not judged here)."""

from __future__ import annotations

import re

import pytest

from bot.launcher import Stack
from scripts import bench
from tests.e2e.support import AUTH_TOKEN


def test_the_benchmark_prints_its_table(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    runs = bench.report(f"http://127.0.0.1:{stack.settings.rasa_port}", [(1, 1), (2, 2)], AUTH_TOKEN, 1, 10)
    out = capsys.readouterr().out
    assert [run.completed for run in runs] == [1, 2]
    assert [len(run.turns) for run in runs] == [8, 16]
    assert re.search(r"/model/parse median: \d+ ms", out)
    assert re.search(r"growth over a 10-turn conversation: median \d+ ms .* -> \d+ ms .*, x\d+\.\d\d", out)
    rows = [line for line in out.splitlines() if re.match(r"\|\s+\d+ \|", line)]
    assert len(rows) == 2 and "1/1" in rows[0] and "2/2" in rows[1]
    assert bench.rss_mib(stack.processes["rasa"].pid) > 100
