"""`make bench-cluster`: turns per second through nginx with one and with two Rasa
servers, and where the time goes.

A benchmark on this machine: it prints numbers and asserts nothing. It starts the
cluster of bot/cluster.py (two Rasa servers, two action servers, the web app,
nginx) on free ports, on this machine's Redis (database 10, emptied before and
after) and PostgreSQL (a database created for the run and dropped after). Then, in
`--rounds` rounds (3 by default; which setting goes first alternates), nginx is
pointed at one Rasa server, then at both (a reload, nothing restarts), and each time
`--conversations` whole registrations (8 turns each, scripts/bench.py) run
`--concurrency` at a time (20) through nginx. For each run it reads the CPU time
every process used (/proc/<pid>/stat), so that the table says where the ceiling is:
the share of the machine's CPU taken by the Rasa servers, the action servers,
Redis, PostgreSQL and nginx.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cluster import (
    NGINX,
    ClusterPorts,
    cluster_environment,
    cluster_plan,
    scratch_database,
    write_nginx_config,
)
from bot.launcher import Stack
from scripts.bench import Run, load, our_bot

REDIS_URL = "redis://127.0.0.1:6379/10"
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
# Processes of the machine's services, by the name /proc/<pid>/comm gives them.
SERVICES = {"redis": ("redis-server",), "postgres": ("postgres",)}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def service_pids() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {name: [] for name in SERVICES}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        for name, commands in SERVICES.items():
            if command in commands:
                found[name].append(int(entry.name))
    return found


def groups(stack: Stack) -> dict[str, list[int]]:
    """The processes to account CPU to, by group."""
    by_group: dict[str, list[int]] = {}
    for name, process in stack.processes.items():
        by_group.setdefault(name.split("-")[0], []).append(process.pid)
    return by_group | service_pids()


@contextmanager
def cpu_used(pids: dict[str, list[int]]) -> Iterator[dict[str, float]]:
    """CPU seconds each group used while the block ran, and the wall time ("wall")."""
    used: dict[str, float] = {}
    before = {name: sum(cpu_seconds(pid) for pid in members) for name, members in pids.items()}
    start = time.perf_counter()
    yield used
    used["wall"] = time.perf_counter() - start
    for name, members in pids.items():
        used[name] = sum(cpu_seconds(pid) for pid in members) - before[name]


def point_nginx_at(ports: ClusterPorts, servers: int, data_dir: Path) -> None:
    """nginx reloaded with the first `servers` Rasa servers only."""
    config = write_nginx_config(replace(ports, rasa=ports.rasa[:servers]), data_dir)
    subprocess.run([NGINX, "-s", "reload", "-c", str(config), "-p", str(config.parent)], check=True)
    time.sleep(1.0)  # the old worker finishes; the new one takes the connections


def measure(stack: Stack, ports: ClusterPorts, servers: int, concurrency: int, conversations: int) -> dict:
    point_nginx_at(ports, servers, stack.settings.data_dir)
    bot = our_bot(f"http://127.0.0.1:{ports.balancer}", None, {})
    with cpu_used(groups(stack)) as used:
        run: Run = asyncio.run(load(bot, concurrency, conversations))
    figures = run.figures()
    return {
        "turns/s": figures[f"c={concurrency}: turns/s"],
        "median turn, ms": figures[f"c={concurrency}: median turn, ms"],
        "p95 turn, ms": figures[f"c={concurrency}: p95 turn, ms"],
        "reached the end": run.completed,
        "conversations": run.conversations,
        **{
            f"CPU % of the machine: {name}": 100 * seconds / used["wall"] / CORES
            for name, seconds in used.items()
            if name != "wall"
        },
    }


def table(results: dict[int, list[dict]], concurrency: int) -> str:
    labels = [label for label in results[1][0] if label != "conversations"]
    lines = [
        f"| c={concurrency}, median of {len(results[1])} rounds | 1 Rasa server | 2 Rasa servers |",
        "| --- | --- | --- |",
    ]
    for label in labels:
        cells = []
        for servers in (1, 2):
            values = [round_[label] for round_ in results[servers]]
            if label == "reached the end":
                total = sum(round_["conversations"] for round_ in results[servers])
                cells.append(f"{sum(values)}/{total}")
            else:
                cells.append(f"{statistics.median(values):.1f}")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=40)
    arguments = parser.parse_args(argv)
    redis.Redis.from_url(REDIS_URL).flushdb()
    ports = ClusterPorts.free()
    with tempfile.TemporaryDirectory() as data_dir, scratch_database() as database_url:
        overrides = {
            "DATA_DIR": data_dir,
            "TRACKER_STORE_URL": REDIS_URL,
            "LOCK_STORE_URL": REDIS_URL,
            "DATABASE_URL": database_url,
        }
        stack = Stack(cluster_environment(ports, overrides), plan=cluster_plan(ports))
        print("Starting the cluster…", flush=True)
        stack.start()
        try:
            results: dict[int, list[dict]] = {1: [], 2: []}
            for index in range(arguments.rounds):
                for servers in (1, 2) if index % 2 == 0 else (2, 1):
                    print(f"Round {index + 1}/{arguments.rounds}: {servers} Rasa server(s)…", flush=True)
                    results[servers].append(
                        measure(stack, ports, servers, arguments.concurrency, arguments.conversations)
                    )
        finally:
            stack.stop()
            redis.Redis.from_url(REDIS_URL).flushdb()
    print(table(results, arguments.concurrency))


if __name__ == "__main__":
    main()
