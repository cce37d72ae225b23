"""`make bench`: how fast the assistant answers, beside Rasa's starter bot.

A benchmark on this machine: it prints numbers and asserts nothing. It starts
the stack (action server, Rasa server, web app) on free ports with a throw-away
data directory, and the starter bot from the same venv (the moodbot: `rasa init`
in a temporary directory, which also trains it, then `rasa run`;
scripts/starter_bot.py). Then, in `--rounds` rounds (3 by default), it measures on each bot in turn (the
one that goes first alternates, so that the noise of the machine falls on both):
- `/model/parse` (NLU alone): median over a set of messages (the same for both);
- whole conversations through the REST channel at concurrency 1, 5 and 20: turns
  per second, median and p95 of a turn, and how many conversations reached their
  end (ours: 8 turns, from the greeting to the confirmation link; the starter's:
  5 turns, to its "Bye");
- a turn's median at concurrency 1 divided by the `/model/parse` median;
- growth over one long conversation (200 turns; ours: questions inside the form,
  the starter's: its conversation over and over): the median turn of the last 20
  against the first 20;
- the peak resident memory of each process (and their total) during the
  concurrency-20 load, sampled every 0.2 s.
Last, once, it times a fresh training of this project (`rasa train` with an empty
cache, into a temporary directory: minutes); the starter's is the `rasa init`
that created it, also with an empty cache. It prints one table: each figure's
median over the rounds (conversations reaching their end: the total), for this
project, the starter bot, and their ratio.

`--no-training` leaves this project's training out; `--smoke` runs tiny counts in
one round, without it (tests/e2e/test_bench.py drives the same functions with
tiny counts); `--rasa-url` measures a Rasa server that is already running instead
of starting the stack (then its memory is left out, and `/model/parse` too unless
`--token` is given).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.launcher import Stack, free_ports, stack_environment
from scripts import starter_bot

ROOT = Path(__file__).resolve().parent.parent

LINK = re.compile(r"/confirmation/[A-Za-z0-9_-]{20,}")
CITIES = ("Cochabamba", "Tarija", "Oruro", "Sucre", "Potosí")
PARSE_TEXTS = (
    "hello",
    "no, it's my first time",
    "I was born on 5 March 1985",
    "Bolivian",
    "what does 221g mean?",
    "hola, necesito enviar mis documentos",
    "sí, está correcto",
)
QUESTIONS = (
    "what does 221g mean?",
    "do I have to pay the fee again?",
    "what should I take to DHL?",
    "how do I contact the embassy?",
    "how will my passport come back?",
)
TIMEOUT = aiohttp.ClientTimeout(total=120)
RSS_EVERY_S = 0.2
OURS, STARTER = "this project", "starter bot"
PARSE = "/model/parse median, ms"
TRAINING = "fresh training (empty cache), s"
NOT_MEASURED = "—"

# One bot's figures in one round, by table row: a number, (reached, conversations)
# for the conversations reaching their end, or None when not measured.
Figure = float | tuple[int, int] | None
Figures = dict[str, Figure]


@dataclass(frozen=True)
class Bot:
    """A running assistant to measure, and how to hold a conversation with it."""

    name: str
    url: str
    token: str | None  # for /model/parse; None leaves it out
    pids: dict[str, int]  # its processes by name, for their memory
    script: Callable[[], list[str]]  # the messages of one whole conversation
    reached_end: Callable[[str], bool]  # whether the text of the last reply ends it
    long_texts: Callable[[int], list[str]]  # n messages of one long conversation


@dataclass(frozen=True)
class Plan:
    levels: list[tuple[int, int]]  # (concurrency, conversations), the memory sampled during the last
    parse_rounds: int
    long_turns: int


FULL = Plan([(1, 5), (5, 20), (20, 40)], parse_rounds=10, long_turns=200)
SMOKE = Plan([(1, 1)], parse_rounds=1, long_turns=10)


@dataclass
class Run:
    concurrency: int
    conversations: int
    completed: int
    seconds: float
    turns: list[float]

    def figures(self) -> Figures:
        level = f"c={self.concurrency}:"
        return {
            f"{level} turns/s": len(self.turns) / self.seconds if self.seconds else 0.0,
            f"{level} median turn, ms": _median_ms(self.turns),
            f"{level} p95 turn, ms": _p95_ms(self.turns),
            f"{level} conversations reaching the end": (self.completed, self.conversations),
        }


def _median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000 if seconds else float("nan")


def _p95_ms(seconds: list[float]) -> float:
    if not seconds:
        return float("nan")
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


def _registration() -> list[str]:
    passport = "B" + "".join(random.choices(string.digits, k=8))
    born = f"{random.randint(1950, 2000)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}"
    return ["hello", "no", passport, born, "Bolivian", "yes", random.choice(CITIES), "yes"]


def _questions_in_the_form(turns: int) -> list[str]:
    return ["hello", "no"] + [QUESTIONS[index % len(QUESTIONS)] for index in range(turns - 2)]


def our_bot(url: str, token: str | None, pids: dict[str, int]) -> Bot:
    """This project's assistant at `url`, driven through whole registrations."""
    return Bot(
        OURS, url, token, pids, _registration, lambda reply: bool(LINK.search(reply)), _questions_in_the_form
    )


async def _turn(session: aiohttp.ClientSession, rasa_url: str, sender: str, text: str) -> tuple[float, list]:
    """(seconds, the reply's messages) of one message through the REST channel."""
    start = time.perf_counter()
    async with session.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"language": "en"}},
    ) as answer:
        body = await answer.json(content_type=None)
    return time.perf_counter() - start, body if isinstance(body, list) else []


async def _conversation(session: aiohttp.ClientSession, bot: Bot, turns: list[float]) -> bool:
    """One whole conversation; True when the last reply ends it."""
    sender = "bench-" + uuid.uuid4().hex
    reply = ""
    for text in bot.script():
        seconds, body = await _turn(session, bot.url, sender, text)
        turns.append(seconds)
        reply = " ".join(str(message.get("text", "")) for message in body if isinstance(message, dict))
    return bot.reached_end(reply)


async def growth(bot: Bot, turns: int) -> tuple[float, float]:
    """Median ms of the first and of the last `window` turns of one long conversation."""
    sender = "bench-long-" + uuid.uuid4().hex
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        times = [(await _turn(session, bot.url, sender, text))[0] for text in bot.long_texts(turns)]
    window = _window(turns)
    return _median_ms(times[:window]), _median_ms(times[-window:])


def _window(turns: int) -> int:
    return min(20, turns // 2)


async def load(bot: Bot, concurrency: int, conversations: int) -> Run:
    """`conversations` whole conversations, `concurrency` at a time."""
    turns: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession) -> bool:
        async with gate:
            return await _conversation(session, bot, turns)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=TIMEOUT, connector=connector) as session:
        start = time.perf_counter()
        results = await asyncio.gather(*(one(session) for _ in range(conversations)))
        seconds = time.perf_counter() - start
    return Run(concurrency, conversations, sum(results), seconds, turns)


async def parse_median_ms(rasa_url: str, token: str, rounds: int) -> float:
    times = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        for _ in range(rounds):
            for text in PARSE_TEXTS:
                start = time.perf_counter()
                async with session.post(
                    f"{rasa_url}/model/parse", params={"token": token}, json={"text": text}
                ) as answer:
                    await answer.read()
                times.append(time.perf_counter() - start)
    return _median_ms(times)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def peak_rss(pids: dict[str, int]) -> Iterator[dict[str, float]]:
    """The highest resident memory (MiB) of each process, and of their sum ("total"),
    sampled every RSS_EVERY_S in a thread while the block runs; complete after it."""
    peaks = {name: 0.0 for name in pids} | ({"total": 0.0} if pids else {})
    stop = threading.Event()

    def sample() -> None:
        current = {name: rss_mib(pid) for name, pid in pids.items()}
        for name, mib in (current | {"total": sum(current.values())}).items():
            if name in peaks:
                peaks[name] = max(peaks[name], mib)

    def sample_until_stopped() -> None:
        while not stop.wait(RSS_EVERY_S):
            sample()

    sample()
    sampler = threading.Thread(target=sample_until_stopped, daemon=True)
    sampler.start()
    try:
        yield peaks
    finally:
        stop.set()
        sampler.join()
        sample()


def _loads(bot: Bot, levels: list[tuple[int, int]]) -> tuple[list[Run], dict[str, float]]:
    """One run at each level, and the peak memory during the last."""
    *lower, (concurrency, conversations) = levels
    runs = [asyncio.run(load(bot, *level)) for level in lower]
    with peak_rss(bot.pids) as peaks:
        runs.append(asyncio.run(load(bot, concurrency, conversations)))
    return runs, peaks


def measure(bot: Bot, plan: Plan) -> Figures:
    """Every figure of one bot, once."""
    parse = asyncio.run(parse_median_ms(bot.url, bot.token, plan.parse_rounds)) if bot.token else None
    runs, peaks = _loads(bot, plan.levels)
    figures: Figures = {PARSE: parse}
    for run in runs:
        figures |= run.figures()
    first_turn = _median_ms(runs[0].turns)
    figures[f"c={runs[0].concurrency} median turn / parse median"] = first_turn / parse if parse else None
    first, last = asyncio.run(growth(bot, plan.long_turns))
    window = _window(plan.long_turns)
    figures[f"growth over {plan.long_turns} turns (median of last {window} / first {window})"] = last / first
    top = plan.levels[-1][0]
    return figures | {f"peak RSS during the c={top} load, MiB: {name}": mib for name, mib in peaks.items()}


def compare(bots: list[Bot], plan: Plan, rounds: int) -> dict[str, list[Figures]]:
    """The figures of every bot in every round; the bot that goes first alternates."""
    results: dict[str, list[Figures]] = {bot.name: [] for bot in bots}
    for index in range(rounds):
        for bot in bots if index % 2 == 0 else bots[::-1]:
            print(f"Round {index + 1}/{rounds}: {bot.name}…", flush=True)
            results[bot.name].append(measure(bot, plan))
    return results


def summary(rounds: list[Figures]) -> Figures:
    """Each figure's median over the rounds; (reached, conversations) summed."""
    labels = dict.fromkeys(label for figures in rounds for label in figures)
    return {label: _combine([figures.get(label) for figures in rounds]) for label in labels}


def _combine(values: list[Figure]) -> Figure:
    present = [value for value in values if value is not None]
    if not present:
        return None
    pairs = [value for value in present if isinstance(value, tuple)]
    if pairs:
        return (sum(reached for reached, _ in pairs), sum(total for _, total in pairs))
    return statistics.median(value for value in present if not isinstance(value, tuple))


def _cell(value: Figure) -> str:
    if value is None:
        return NOT_MEASURED
    if isinstance(value, tuple):
        return f"{value[0]}/{value[1]}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _ratio(ours: Figure, starter: Figure) -> str:
    if isinstance(ours, float | int) and isinstance(starter, float | int) and starter:
        return f"{ours / starter:.2f}"
    return NOT_MEASURED


def table(ours: Figures, starter: Figures, rounds: int) -> str:
    """A Markdown table: a row per figure, columns this project | starter bot | ratio."""
    header = ("metric", OURS, STARTER, "ratio (ours/starter)")
    labels = dict.fromkeys([*ours, *starter])
    rows = [header] + [
        (
            label,
            _cell(ours.get(label)),
            _cell(starter.get(label)),
            _ratio(ours.get(label), starter.get(label)),
        )
        for label in labels
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "| "
        + " | ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        )
        + " |"
        for row in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    note = f"Medians over {rounds} round(s); conversations reaching the end: totals over the rounds."
    return note + "\n\n" + "\n".join(lines)


def fresh_rasa_seconds(arguments: list[str], cwd: Path) -> float:
    """Wall time of the `rasa` command `arguments` in `cwd`, with a new, empty
    training cache (RASA_CACHE_DIRECTORY, read by rasa/engine/caching.py)."""
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": cache}
        start = time.perf_counter()
        result = subprocess.run(
            [str(starter_bot.RASA), *arguments], check=False, cwd=cwd, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
    if result.returncode:
        raise RuntimeError(
            f"rasa {' '.join(arguments)} failed in {cwd}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return seconds


def training_seconds(scratch: Path) -> float:
    """A fresh training of this project, into `scratch` (never models/ nor .rasa/)."""
    return fresh_rasa_seconds(
        ["train", "--fixed-model-name", "bench", "--out", str(scratch / "models"), "--quiet"], ROOT
    )


@contextmanager
def starter(directory: Path, token: str) -> Iterator[tuple[Bot, float]]:
    """Rasa's starter bot, created and trained by `rasa init` in `directory` (a new
    one) and running until the block ends; yields it and the seconds of `rasa init`."""
    directory.mkdir(parents=True)
    seconds = fresh_rasa_seconds(["init", "--no-prompt", "--init-dir", str(directory)], directory)
    with starter_bot.serving(directory, token) as (url, pid):
        yield (
            Bot(
                STARTER,
                url,
                token,
                {"rasa": pid},
                starter_bot.script,
                starter_bot.reached_end,
                starter_bot.long_texts,
            ),
            seconds,
        )


@contextmanager
def our_stack(data_dir: str, token: str) -> Iterator[Bot]:
    """This project's stack on free ports, running until the block ends."""
    ports = dict(zip(("RASA_PORT", "ACTIONS_PORT", "WEB_PORT"), free_ports(3)))
    stack = Stack(
        stack_environment(
            {
                "DATA_DIR": data_dir,
                "RASA_AUTH_TOKEN": token,
                **{key: str(value) for key, value in ports.items()},
            }
        )
    )
    stack.start()
    try:
        yield our_bot(
            f"http://127.0.0.1:{ports['RASA_PORT']}",
            token,
            {name: process.pid for name, process in stack.processes.items()},
        )
    finally:
        stack.stop()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny counts, one round, no training")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--no-training", action="store_true", help="do not time this project's training")
    parser.add_argument("--rasa-url", help="measure this running Rasa server instead of starting the stack")
    parser.add_argument("--token", help="its API token (for /model/parse)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    plan, rounds = (SMOKE, 1) if args.smoke else (FULL, args.rounds)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        with ExitStack() as running:
            if args.rasa_url:
                ours = our_bot(args.rasa_url.rstrip("/"), args.token, {})
            else:
                print("Starting the stack…", flush=True)
                ours = running.enter_context(our_stack(str(Path(scratch) / "data"), uuid.uuid4().hex))
            print("Creating Rasa's starter bot (`rasa init` trains it)…", flush=True)
            theirs, starter_training = running.enter_context(
                starter(Path(scratch) / "starter", uuid.uuid4().hex)
            )
            results = compare([ours, theirs], plan, rounds)
        training = None
        if not (args.smoke or args.no_training):
            print("Training this project from scratch (minutes)…", flush=True)
            training = training_seconds(Path(scratch))
    print(
        "\n"
        + table(
            summary(results[OURS]) | {TRAINING: training},
            summary(results[STARTER]) | {TRAINING: starter_training},
            rounds,
        )
    )


if __name__ == "__main__":
    main()
