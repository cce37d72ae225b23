"""The benchmark with tiny counts: against the running stack and Rasa's starter bot
(created and trained by `rasa init` here, then served: about 2.5 minutes on 2
cores, most of this file's time), in two interleaved rounds, down to its table of
real figures (the figures themselves are not judged here); and how the table sums
up rounds."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from bot.launcher import Stack
from scripts import bench
from tests.e2e.support import AUTH_TOKEN

NUMBER = r"\d[\d,]*(\.\d+)?"
PLAN = bench.Plan([(1, 1), (2, 2)], parse_rounds=1, long_turns=10)
MEMORY = "peak RSS during the c=2 load, MiB: "
NUMBERED_ROWS = (
    bench.PARSE,
    "c=1: turns/s",
    "c=1: median turn, ms",
    "c=1: p95 turn, ms",
    "c=2: turns/s",
    "c=2: median turn, ms",
    "c=2: p95 turn, ms",
    "c=1 median turn / parse median",
    "growth over 10 turns (median of last 5 / first 5)",
    MEMORY + "rasa",
    MEMORY + "total",
)


def _rows(table: str) -> dict[str, list[str]]:
    """Each row's cells after its label, by label."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ")
    ]
    return {cells[0]: cells[1:] for cells in rows}


def test_the_benchmark_compares_the_stack_with_the_starter_bot(
    stack: Stack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pids = {name: process.pid for name, process in stack.processes.items()}
    ours = bench.our_bot(f"http://127.0.0.1:{stack.settings.rasa_port}", AUTH_TOKEN, pids)
    with bench.starter(tmp_path / "starter", "bench-" + uuid.uuid4().hex) as (starter, starter_training):
        results = bench.compare([ours, starter], PLAN, rounds=2)
    out = capsys.readouterr().out
    assert re.findall(r"Round (\d)/2: (.+)…", out) == [
        ("1", bench.OURS),
        ("1", bench.STARTER),
        ("2", bench.STARTER),
        ("2", bench.OURS),
    ]

    ours_figures, starter_figures = bench.summary(results[bench.OURS]), bench.summary(results[bench.STARTER])
    for figures in (ours_figures, starter_figures):
        assert figures["c=1: conversations reaching the end"] == (2, 2)
        assert figures["c=2: conversations reaching the end"] == (4, 4)
        assert figures[MEMORY + "rasa"] > 100
    assert ours_figures[MEMORY + "total"] > ours_figures[MEMORY + "rasa"]
    assert starter_figures[MEMORY + "total"] == starter_figures[MEMORY + "rasa"]
    assert starter_training > 5

    rows = _rows(
        bench.table(
            ours_figures | {bench.TRAINING: None},
            starter_figures | {bench.TRAINING: starter_training},
            rounds=2,
        )
    )
    for label in NUMBERED_ROWS:
        assert all(re.fullmatch(NUMBER, cell) for cell in rows[label]), (label, rows[label])
    assert rows[bench.PARSE][2] == f"{ours_figures[bench.PARSE] / starter_figures[bench.PARSE]:.2f}"
    assert rows["c=1: conversations reaching the end"] == ["2/2", "2/2", "—"]
    assert rows["c=2: conversations reaching the end"] == ["4/4", "4/4", "—"]
    for name in ("actions", "web"):
        assert re.fullmatch(NUMBER, rows[MEMORY + name][0]) and rows[MEMORY + name][1:] == ["—", "—"]
    assert rows[bench.TRAINING][0] == "—" and re.fullmatch(NUMBER, rows[bench.TRAINING][1])


def test_the_table_takes_medians_of_figures_and_totals_of_conversations() -> None:
    ours = bench.summary(
        [{"a": 10.0, "ends": (4, 5)}, {"a": 30.0, "ends": (5, 5)}, {"a": 20.0, "ends": (5, 5)}]
    )
    starter = bench.summary([{"a": 4.0, "ends": (5, 5), "b": None}, {"a": 8.0, "ends": (5, 5), "b": 3.0}])
    assert ours == {"a": 20.0, "ends": (14, 15)}
    assert starter == {"a": 6.0, "ends": (10, 10), "b": 3.0}
    assert _rows(bench.table(ours, starter, rounds=3)) == {
        "metric": [bench.OURS, bench.STARTER, "ratio (ours/starter)"],
        "-" * len("metric"): [
            "-" * len(bench.OURS),
            "-" * len(bench.STARTER),
            "-" * len("ratio (ours/starter)"),
        ],
        "a": ["20.0", "6.00", "3.33"],
        "ends": ["14/15", "10/10", "—"],
        "b": ["—", "3.00", "—"],
    }
